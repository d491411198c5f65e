// The core's public API: everything the webhook and the kubectl plugin use, from one module.
export * from './types.ts';
export * from './errors.ts';
export * from './json.ts';
export * from './yaml.ts';
export * from './shorthand.ts';
export * from './openapi.ts';
export * from './defaulting.ts';
export * from './validation.ts';
export * from './schema-source.ts';
export * from './workflow.ts';
export * from './run.ts';
export * from './status.ts';
