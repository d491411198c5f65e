// Preparing a WorkflowRun for admission: a copy with the Workflow's defaults filled in and a display name set,
// plus the field errors of its parameters. The webhook turns the difference between the received object and the
// prepared one into a JSON Patch, so preparing only ever adds: it never changes, removes or reorders what the user
// sent (the one replacement is `parameters: null`, which means "no parameters" and gets the defaults), and
// preparing its own output again changes nothing.
import { cloneJSON, DepthLimitError, getOwn, isPlainObject, setOwn } from './json.ts';
import type {
  FieldError,
  JSONObject,
  JSONValue,
  UnknownParameterPolicy,
  WorkflowObject,
  WorkflowRunObject,
} from './types.ts';
import { DISPLAY_NAME_ANNOTATION } from './types.ts';
import { compareFieldErrors } from './validation.ts';
import type { CompiledWorkflow } from './workflow.ts';

/** Objects nested deeper than this anywhere in a run are refused untouched (parameters have their own limit). */
export const MAX_RUN_DEPTH = 128;

export interface PrepareRunOptions {
  /** What an undeclared parameter is: an error (`deny`, the default), a warning (`warn`) or nothing (`allow`). */
  unknownParameters?: UnknownParameterPolicy;
}

export interface PreparedRun {
  /** A deep copy of the run: defaults filled in, display name set. */
  object: WorkflowRunObject;
  errors: FieldError[];
  warnings: string[];
}

/** Defaults first, then validation of the defaulted parameters, then the display name. */
export function prepareRun(
  run: WorkflowRunObject,
  workflow: WorkflowObject,
  compiled: CompiledWorkflow,
  options: PrepareRunOptions = {},
): PreparedRun {
  // The copy is the depth check: one walk of the run, not a check and then a copy.
  const copy: JSONObject = {};
  for (const key of Object.keys(run)) {
    try {
      setOwn(copy, key, cloneJSON((run as JSONObject)[key] as JSONValue, MAX_RUN_DEPTH - 1));
    } catch (error) {
      if (!(error instanceof DepthLimitError)) throw error;
      return {
        object: run,
        errors: [
          { field: key, message: `Forbidden: must not be nested more than ${MAX_RUN_DEPTH} levels deep` },
        ],
        warnings: [],
      };
    }
  }
  const object = copy as WorkflowRunObject;
  const workflowRef =
    isPlainObject(object.spec) && isPlainObject(object.spec.workflow) ? object.spec.workflow : undefined;
  const given = workflowRef ? (getOwn(workflowRef as JSONObject, 'parameters') ?? undefined) : undefined;
  const defaulted = given === undefined || isPlainObject(given) ? compiled.applyDefaults(given) : given;
  if (workflowRef && isPlainObject(defaulted) && (given !== undefined || Object.keys(defaulted).length > 0)) {
    workflowRef.parameters = defaulted;
  }
  const { errors, warnings } = compiled.validate(defaulted, options.unknownParameters ?? 'deny');
  setDisplayName(object, displayNameFor(run, workflow));
  return { object, errors, warnings };
}

function setDisplayName(object: WorkflowRunObject, displayName: string): void {
  if (object.metadata === undefined) object.metadata = {};
  const metadata = object.metadata as unknown;
  // Malformed metadata is the API server's to refuse; adding to it would only hide that.
  if (!isPlainObject(metadata)) return;
  if (metadata.annotations === undefined) metadata.annotations = {};
  const annotations = metadata.annotations;
  if (!isPlainObject(annotations) || Object.hasOwn(annotations, DISPLAY_NAME_ANNOTATION)) return;
  setOwn(annotations, DISPLAY_NAME_ANNOTATION, displayName);
}

/**
 * `"<Workflow display name>: <run name>"`: the Workflow's own display-name annotation, else its name; the run's
 * name, else its `generateName` without the trailing `-` (the API server has not picked the suffix yet).
 */
export function displayNameFor(run: WorkflowRunObject, workflow: WorkflowObject): string {
  const workflowAnnotation = stringOrEmpty(workflow.metadata?.annotations?.[DISPLAY_NAME_ANNOTATION]).trim();
  const workflowDisplay =
    workflowAnnotation || stringOrEmpty(workflow.metadata?.name) || stringOrEmpty(run.spec?.workflow?.name);
  const runName =
    stringOrEmpty(run.metadata?.name) || stringOrEmpty(run.metadata?.generateName).replace(/-+$/, '');
  if (!runName) return workflowDisplay;
  return workflowDisplay ? `${workflowDisplay}: ${runName}` : runName;
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** One `field: message` line per error, sorted by field then message. */
export function formatFieldErrors(errors: FieldError[]): string {
  return [...errors]
    .sort(compareFieldErrors)
    .map((error) => `${error.field}: ${error.message}`)
    .join('\n');
}
