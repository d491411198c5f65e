// The three admission handlers: functions of an AdmissionRequest and its context (plus a Workflow lookup), testable
// without HTTP. The mutating handler only fills defaults and the display name and never denies over parameters: that is the
// validating handler's job, so a person sees every problem once, in one message, from one webhook.
import fastJsonPatch from 'fast-json-patch';

import {
  formatFieldErrors,
  schemaSections,
  workflowReference,
  workflowReferenceErrors,
  SchemaError,
  isPlainObject,
  jsonEqual,
  type FieldError,
  type UnknownParameterPolicy,
  type WorkflowObject,
  type WorkflowRunObject,
} from '../core/index.ts';
import {
  compileWorkflow,
  defaultRun,
  defaultedParts,
  prepareRun,
  type CompiledWorkflow,
  type PreparedRun,
} from '../core/engine.ts';
import {
  allowed,
  denied,
  errored,
  objectName,
  patched,
  withWarnings,
  type AdmissionContext,
  type AdmissionRequest,
  type AdmissionResponse,
  type JSONPatchOperation,
} from './admission.ts';
import type { WorkflowLookup } from './workflows.ts';

/** Answers one review; rejects only on a failure of the webhook's own, which the transport answers with a 500. */
export type AdmissionHandler = (
  request: AdmissionRequest,
  context: AdmissionContext,
) => Promise<AdmissionResponse>;

export interface HandlerOptions {
  workflows: WorkflowLookup;
  /** Compiled schemas by Workflow (CompiledSchemaCache in production); throws a SchemaError for a broken one. */
  compiledWorkflows: { get(workflow: WorkflowObject): CompiledWorkflow };
  unknownParameters: UnknownParameterPolicy;
}

/** Requests that never need a Workflow: deletions, subresources (status), connects. */
function isPassThrough(request: AdmissionRequest): boolean {
  return (
    (request.operation !== 'CREATE' && request.operation !== 'UPDATE') ||
    (request.subResource !== undefined && request.subResource !== '')
  );
}

// Kubernetes' own layout for validation failures (`The X "y" is invalid: ...`), one field error per line so that
// kubectl's output stays legible with many; `details.causes` carries the same for client libraries.
function invalid(kind: string, name: string, errors: readonly FieldError[]): AdmissionResponse {
  return denied(`${kind} ${JSON.stringify(name)} is invalid:\n${formatFieldErrors(errors, '  ')}`, {
    details: {
      name,
      kind,
      causes: errors.map((error) => ({
        field: error.field,
        message: error.message,
        reason: 'FieldValueInvalid',
      })),
    },
  });
}

function notAWorkflowRun(request: AdmissionRequest): AdmissionResponse | undefined {
  if (!isPlainObject(request.object)) return errored(400, 'request.object is not an object');
  if (request.kind?.kind !== undefined && request.kind.kind !== 'WorkflowRun') {
    return errored(400, `expected a WorkflowRun, got kind ${JSON.stringify(request.kind.kind)}`);
  }
  return undefined;
}

/** The run's `spec.workflow` changed against the stored object (always true on CREATE). */
function workflowChanged(request: AdmissionRequest): boolean {
  if (request.operation !== 'UPDATE' || !isPlainObject(request.oldObject) || !isPlainObject(request.object))
    return true;
  const spec = request.object.spec;
  const oldSpec = request.oldObject.spec;
  return !jsonEqual(
    isPlainObject(spec) ? spec.workflow : undefined,
    isPlainObject(oldSpec) ? oldSpec.workflow : undefined,
  );
}

type Resolution =
  | {
      ok: true;
      workflow: WorkflowObject;
      compiled: CompiledWorkflow;
    }
  | { ok: false; errors: FieldError[] };

/**
 * Finds and compiles the Workflow a run names. Problems the user can fix come back as field errors; a lookup that
 * fails (API server unreachable, no answer before the review's deadline) throws, so the request is answered with a
 * 500 rather than a wrong denial.
 */
async function resolveWorkflow(
  run: WorkflowRunObject,
  requestNamespace: string | undefined,
  options: HandlerOptions,
  context: AdmissionContext,
): Promise<Resolution> {
  const referenceErrors = workflowReferenceErrors(run);
  if (referenceErrors.length > 0) return { ok: false, errors: referenceErrors };
  const target = { ...workflowReference(run) };
  // The API server fills in the run's namespace before admission; the request carries it too, for older servers.
  if (target.kind === 'Workflow' && !target.namespace && requestNamespace)
    target.namespace = requestNamespace;
  const workflow = await options.workflows.get(target.kind, target.name, target.namespace, context);
  return compiledWorkflow(workflow, target, options);
}

function compiledWorkflow(
  workflow: WorkflowObject | undefined,
  target: ReturnType<typeof workflowReference>,
  options: HandlerOptions,
): Resolution {
  if (workflow === undefined) {
    const where = target.namespace === undefined ? '' : ` in namespace ${JSON.stringify(target.namespace)}`;
    return {
      ok: false,
      errors: [
        {
          field: 'spec.workflow.name',
          message: `Not found: ${target.kind} ${JSON.stringify(target.name)}${where}`,
        },
      ],
    };
  }
  try {
    return { ok: true, workflow, compiled: options.compiledWorkflows.get(workflow) };
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    return {
      ok: false,
      errors: [
        {
          field: 'spec.workflow.name',
          message: `Invalid value: ${JSON.stringify(target.name)}: ${error.message}`,
        },
      ],
    };
  }
}

type Prepare = (run: WorkflowRunObject, workflow: WorkflowObject, compiled: CompiledWorkflow) => PreparedRun;

/**
 * The steps both WorkflowRun webhooks take: requests that need no Workflow are allowed, malformed ones answered with
 * a 400, and any other run is prepared against its Workflow for `decide` to answer from. A Workflow that cannot be
 * found or compiled is one more error of the prepared run.
 */
function workflowRunHandler(
  options: HandlerOptions,
  prepare: Prepare,
  decide: (request: AdmissionRequest, run: WorkflowRunObject, prepared: PreparedRun) => AdmissionResponse,
): AdmissionHandler {
  return async (request, context) => {
    if (isPassThrough(request)) return allowed();
    const malformed = notAWorkflowRun(request);
    if (malformed) return malformed;
    if (!workflowChanged(request)) return allowed();
    const run = request.object as WorkflowRunObject;
    const resolution = await resolveWorkflow(run, request.namespace, options, context);
    const prepared = resolution.ok
      ? prepare(run, resolution.workflow, resolution.compiled)
      : { object: run, errors: resolution.errors, warnings: [] };
    return decide(request, run, prepared);
  };
}

export function validateWorkflowRun(options: HandlerOptions): AdmissionHandler {
  const policy = { unknownParameters: options.unknownParameters };
  return workflowRunHandler(
    options,
    (run, workflow, compiled) => prepareRun(run, workflow, compiled, policy),
    (request, _run, prepared) => {
      if (prepared.errors.length > 0) {
        return invalid('WorkflowRun', objectName(request), prepared.errors);
      }
      return withWarnings(allowed(), prepared.warnings);
    },
  );
}

export function mutateWorkflowRun(options: HandlerOptions): AdmissionHandler {
  // The mutating webhook only defaults: its parameters are judged by the validating webhook, which runs after it
  // and defaults them again, to the same result, before validating; validating here too would only double the work.
  // A run it cannot resolve (no such Workflow) is left as it is, for the validating webhook to deny.
  return workflowRunHandler(
    options,
    (run, workflow, compiled) => ({ ...defaultRun(run, workflow, compiled), warnings: [] }),
    (_request, run, prepared) =>
      prepared.errors.length > 0
        ? allowed()
        : patched(
            fastJsonPatch.compare(
              defaultedParts(run),
              defaultedParts(prepared.object),
            ) as JSONPatchOperation[],
          ),
  );
}

export function validateWorkflow(): AdmissionHandler {
  return async (request) => {
    if (isPassThrough(request)) return allowed();
    const object = request.object;
    if (!isPlainObject(object)) return errored(400, 'request.object is not an object');
    const kind = request.kind?.kind ?? (object.kind as string | undefined);
    if (kind !== 'Workflow' && kind !== 'ClusterWorkflow') {
      return errored(400, `expected a Workflow or ClusterWorkflow, got kind ${JSON.stringify(kind)}`);
    }
    // A schema that did not change stays as it is: a Workflow stored before this webhook existed must not block
    // a controller that only adds a finalizer or a label.
    if (
      request.operation === 'UPDATE' &&
      isPlainObject(request.oldObject) &&
      jsonEqual(schemaSections(object), schemaSections(request.oldObject))
    ) {
      return allowed();
    }
    try {
      compileWorkflow({ ...(object as WorkflowObject), kind });
      return allowed();
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      return denied(error.message, { details: { name: objectName(request), kind } });
    }
  };
}

export interface AdmissionRoute {
  /** The name in logs and metrics labels. */
  webhook: string;
  handler: AdmissionHandler;
}

/** The admission endpoints by path, as the webhook configurations name them. */
export function admissionRoutes(options: HandlerOptions): Record<string, AdmissionRoute> {
  return {
    '/mutate-workflowrun': { webhook: 'mutate-workflowrun', handler: mutateWorkflowRun(options) },
    '/validate-workflowrun': { webhook: 'validate-workflowrun', handler: validateWorkflowRun(options) },
    '/validate-workflow': { webhook: 'validate-workflow', handler: validateWorkflow() },
  };
}
