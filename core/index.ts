// The core's light face: what a Workflow and a WorkflowRun are (types, the API group, references, where a schema
// lives, what a run's status means) and the errors the core throws. It loads no validator and no converter, so a
// command that only reads runs starts fast. Compiling schemas, defaulting and validating are in ./engine.ts.
export * from './types.ts';
export * from './errors.ts';
export * from './json.ts';
export * from './schema-source.ts';
export * from './reference.ts';
export * from './field-errors.ts';
export * from './status.ts';
