// Preparing a WorkflowRun for admission: a copy with the Workflow's defaults filled in and a display name set
// (new objects along the paths defaulting may touch, the rest shared), plus the field errors of its parameters.
// The webhook turns the difference between the received object and the prepared one into a JSON Patch, so
// preparing only ever adds: it never changes, removes or reorders what the user sent (the one replacement is
// `parameters: null`, which means "no parameters" and gets the defaults), and preparing its own output again
// changes nothing.
import { copyOwn, exceedsDepth, getOwn, isPlainObject, setOwn } from './json.ts';
import type {
  FieldError,
  JSONObject,
  JSONValue,
  UnknownParameterPolicy,
  WorkflowObject,
  WorkflowRunObject,
} from './types.ts';
import { DISPLAY_NAME_ANNOTATION } from './types.ts';
import type { CompiledWorkflow } from './workflow.ts';

/** Objects nested deeper than this anywhere in a run are refused untouched (parameters have their own limit). */
export const MAX_RUN_DEPTH = 128;

export interface PrepareRunOptions {
  /** What an undeclared parameter is: an error (`deny`, the default), a warning (`warn`) or nothing (`allow`). */
  unknownParameters?: UnknownParameterPolicy;
}

export interface DefaultedRun {
  /**
   * The run with defaults filled in and the display name set: new objects along the paths defaulting may touch
   * (spec.workflow.parameters, metadata.annotations), everything else shared with the run it came from (neither is
   * to be modified afterwards).
   */
  object: WorkflowRunObject;
  /** From defaultRun only a run too deeply nested to look at; from prepareRun also the parameters' errors. */
  errors: FieldError[];
}

/** A defaulted run and the field errors and warnings of its parameters. */
export interface PreparedRun extends DefaultedRun {
  warnings: string[];
}

/**
 * Defaults and the display name, without validating: what the mutating webhook needs, since a run it defaults is
 * validated (defaulted again, to the same result) by the validating webhook anyway.
 */
export function defaultRun(
  run: WorkflowRunObject,
  workflow: WorkflowObject,
  compiled: CompiledWorkflow,
): DefaultedRun & { parameters: JSONValue | undefined } {
  const tooDeep = tooDeepField(run);
  if (tooDeep !== undefined) {
    return {
      object: run,
      parameters: undefined,
      errors: [
        { field: tooDeep, message: `Forbidden: must not be nested more than ${MAX_RUN_DEPTH} levels deep` },
      ],
    };
  }
  const object = copyOwn(run as JSONObject) as WorkflowRunObject;
  let parameters: JSONValue | undefined;
  if (isPlainObject(run.spec) && isPlainObject(run.spec.workflow)) {
    const workflowRef = copyOwn(run.spec.workflow);
    const spec = copyOwn(run.spec);
    spec.workflow = workflowRef;
    object.spec = spec;
    const given = getOwn(workflowRef, 'parameters') ?? undefined;
    parameters = given === undefined || isPlainObject(given) ? compiled.applyDefaults(given) : given;
    if (isPlainObject(parameters) && (given !== undefined || Object.keys(parameters).length > 0)) {
      workflowRef.parameters = parameters;
    }
  } else {
    parameters = compiled.applyDefaults(undefined);
  }
  setDisplayName(object, displayNameFor(run, workflow));
  return { object, parameters, errors: [] };
}

/**
 * The parts of a run that defaultRun may change (`metadata.annotations`, `spec.workflow.parameters`), each with the
 * objects on its path, each present only where the run has it. Of a run and its defaulted copy these differ exactly
 * as the whole objects do, so a diff of them is the diff of the objects, without walking everything else.
 */
export function defaultedParts(run: WorkflowRunObject): JSONObject {
  const parts: JSONObject = {};
  const { metadata, spec } = run as JSONObject;
  if (metadata !== undefined) parts.metadata = pick(metadata, 'annotations');
  if (spec !== undefined) {
    const specPart = pick(spec, 'workflow');
    parts.spec =
      isPlainObject(specPart) && isPlainObject(specPart.workflow)
        ? { workflow: pick(specPart.workflow, 'parameters') }
        : specPart;
  }
  return parts;
}

/** `{ [key]: value[key] }` when value is an object (without the key when it has none), else value itself. */
function pick(value: JSONValue, key: string): JSONValue {
  if (!isPlainObject(value)) return value;
  const picked: JSONObject = {};
  if (Object.hasOwn(value, key)) setOwn(picked, key, value[key] as JSONValue);
  return picked;
}

/** Defaults first (defaultRun), then validation of the defaulted parameters. */
export function prepareRun(
  run: WorkflowRunObject,
  workflow: WorkflowObject,
  compiled: CompiledWorkflow,
  options: PrepareRunOptions = {},
): PreparedRun {
  const { object, parameters, errors } = defaultRun(run, workflow, compiled);
  if (errors.length > 0) return { object, errors, warnings: [] };
  return { object, ...compiled.validate(parameters, options.unknownParameters ?? 'deny') };
}

/** The top-level field of a run nested more than MAX_RUN_DEPTH levels deep, if any: such a run is left untouched. */
function tooDeepField(run: WorkflowRunObject): string | undefined {
  return Object.keys(run).find((key) => exceedsDepth((run as JSONObject)[key], MAX_RUN_DEPTH - 1));
}

/** Sets the display-name annotation on `object`, a copy of the run whose metadata is still the run's own. */
function setDisplayName(object: WorkflowRunObject, displayName: string): void {
  const metadata: unknown = object.metadata === undefined ? {} : object.metadata;
  // Malformed metadata is the API server's to refuse; adding to it would only hide that.
  if (!isPlainObject(metadata)) return;
  const annotations: unknown = metadata.annotations === undefined ? {} : metadata.annotations;
  if (!isPlainObject(annotations) || Object.hasOwn(annotations, DISPLAY_NAME_ANNOTATION)) return;
  const annotated = copyOwn(annotations);
  setOwn(annotated, DISPLAY_NAME_ANNOTATION, displayName);
  const copy = copyOwn(metadata);
  copy.annotations = annotated;
  object.metadata = copy as WorkflowRunObject['metadata'];
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
