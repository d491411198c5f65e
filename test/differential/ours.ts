// Our side of the comparison: the code path of `kubectl workflowrun validate -o json --unknown-parameters allow`
// (core/engine.ts compileWorkflow, then prepareRun), which is also what the webhooks run. The Workflow carries
// the schema in the v1.x field, or, for a shorthand schema, in spec.schema.
import {
  API_VERSION,
  SchemaError,
  type JSONObject,
  type JSONValue,
  type WorkflowRunObject,
} from '../../core/index.ts';
import { compileWorkflow, prepareRun, type CompiledWorkflow } from '../../core/engine.ts';

export interface OurVerdict {
  schemaAccepted: boolean;
  schemaError?: string;
  defaulted?: JSONValue;
  errors: { field: string; message: string }[];
}

export type SchemaForm = { openapi: JSONObject } | { shorthand: JSONObject };

export function workflowWith(form: SchemaForm): JSONObject {
  const spec: JSONObject =
    'openapi' in form ? { parameters: { openAPIV3Schema: form.openapi } } : { schema: form.shorthand };
  return {
    apiVersion: API_VERSION,
    kind: 'Workflow',
    metadata: { name: 'differential', namespace: 'default' },
    spec,
  };
}

/** The compiled Workflow, or the SchemaError that refused it. */
export function compileOurs(form: SchemaForm): CompiledWorkflow | SchemaError {
  try {
    return compileWorkflow(workflowWith(form));
  } catch (error) {
    if (error instanceof SchemaError) return error;
    throw error;
  }
}

export function judgeOurs(
  form: SchemaForm,
  compiled: CompiledWorkflow | SchemaError,
  value: JSONValue,
): OurVerdict {
  if (compiled instanceof SchemaError)
    return { schemaAccepted: false, schemaError: compiled.message, errors: [] };
  const run: WorkflowRunObject = {
    apiVersion: API_VERSION,
    kind: 'WorkflowRun',
    metadata: { name: 'run', namespace: 'default' },
    spec: { workflow: { name: 'differential', parameters: value as JSONObject } },
  };
  const prepared = prepareRun(run, workflowWith(form), compiled, { unknownParameters: 'allow' });
  return {
    schemaAccepted: true,
    defaulted: prepared.object.spec?.workflow?.parameters as JSONValue | undefined,
    errors: prepared.errors,
  };
}
