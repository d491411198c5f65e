// Where a Workflow keeps its parameter schema: `spec.schema` (the v0.17 shorthand: `parameters` and `types`) or
// `spec.parameters.openAPIV3Schema` (v1.x). Apart from workflow.ts, which compiles validators, so that the plugin
// can read a schema without loading ajv.
import { isPlainObject } from './json.ts';
import type { JSONObject, JSONValue, WorkflowObject } from './types.ts';

export interface SchemaSource {
  /** `spec.schema` when it is an object. */
  shorthand: JSONObject | undefined;
  /** `spec.parameters.openAPIV3Schema` as given, whatever it is; undefined when absent. */
  openapi: JSONValue | undefined;
}

export function schemaSource(workflow: WorkflowObject): SchemaSource {
  const spec: JSONObject = isPlainObject(workflow.spec) ? (workflow.spec as JSONObject) : {};
  return {
    shorthand: isPlainObject(spec.schema) ? spec.schema : undefined,
    openapi: isPlainObject(spec.parameters) ? spec.parameters.openAPIV3Schema : undefined,
  };
}

/** The two spec fields a schema can live in, as written: equal sections mean the same parameter schema. */
export function schemaSections(workflow: { spec?: unknown }): [JSONValue, JSONValue] {
  const spec = isPlainObject(workflow.spec) ? workflow.spec : {};
  return [spec.schema ?? null, spec.parameters ?? null];
}
