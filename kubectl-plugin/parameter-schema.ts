// A Workflow's parameter schema as JSON Schema, for the commands that show parameters rather than judge them.
import { isPlainObject, schemaSource, type JSONSchema, type WorkflowObject } from '../core/index.ts';

/**
 * By the format rule of the core's `compileWorkflow` but through the converters alone (no validator): OpenAPI v3
 * with its `$ref`s resolved, or the shorthand converted. Undefined when the Workflow declares neither.
 */
export async function parameterSchema(workflow: WorkflowObject): Promise<JSONSchema | undefined> {
  const { shorthand, openapi } = schemaSource(workflow);
  if (isPlainObject(openapi)) return (await import('../core/engine.ts')).resolveRefs(openapi) ?? undefined;
  if (!shorthand) return undefined;
  const { parameters, types } = shorthand;
  return (await import('../core/engine.ts')).shorthandToJSONSchema(
    isPlainObject(parameters) ? parameters : undefined,
    isPlainObject(types) ? types : undefined,
  );
}
