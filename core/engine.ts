// The core's heavy face: reading YAML, converting both schema formats, compiling a Workflow's schema into a
// defaulter and a validator (ajv, its compiled checks shareable), and preparing a run for admission. Import it
// where a schema is compiled or a run judged; what only describes runs is in ./index.ts.
export * from './yaml.ts';
export * from './shorthand/convert.ts';
export * from './openapi/convert.ts';
export * from './defaulting.ts';
export * from './validation.ts';
export * from './workflow.ts';
export * from './run.ts';
export * from './policy/objects.ts';
export { compileParameterRules, MAX_CEL_SCHEMA_DEPTH, MAX_UNIQUE_ITEMS } from './policy/parameters.ts';
export * from './lru.ts';
