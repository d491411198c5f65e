// Cluster look-ups, flags and output helpers that several commands share, with the one-line errors users see.
import { Option } from 'commander';
import {
  API_VERSION,
  isPlainObject,
  schemaSource,
  workflowReference,
  type JSONObject,
  type JSONSchema,
  type JSONValue,
  type WorkflowKind,
  type WorkflowObject,
  type WorkflowRunObject,
} from '../../core/index.ts';
import { CommandError, UsageError } from '../factory.ts';
import type { IOStreams } from '../factory.ts';
import { apiErrorCode } from '../kube.ts';
import type { KubeClient, ObjectRef } from '../kube.ts';

/** A 404 for the object itself (not for a resource type the server does not serve). */
function isObjectNotFound(err: unknown, name: string): boolean {
  return apiErrorCode(err) === 404 && (err as Error).message.includes(`"${name}" not found`);
}

/** A 404 for the whole resource type: the CRD is not installed. */
function rethrowMissingResource(err: unknown): never {
  if (apiErrorCode(err) === 404) {
    throw new CommandError(`${(err as Error).message} (are OpenChoreo's CRDs installed in this cluster?)`);
  }
  throw err;
}

export async function getRun(kube: KubeClient, namespace: string, name: string): Promise<WorkflowRunObject> {
  try {
    return (await kube.get({ plural: 'workflowruns', namespace, name })) as WorkflowRunObject;
  } catch (err) {
    if (isObjectNotFound(err, name)) {
      throw new CommandError(`workflowrun "${name}" not found in namespace "${namespace}"`);
    }
    return rethrowMissingResource(err);
  }
}

export interface WorkflowRef extends ObjectRef {
  plural: 'workflows' | 'clusterworkflows';
  kind: WorkflowKind;
}

export function workflowRef(kind: WorkflowKind, name: string, namespace: string | undefined): WorkflowRef {
  return kind === 'ClusterWorkflow'
    ? { kind, plural: 'clusterworkflows', name }
    : { kind, plural: 'workflows', name, namespace: namespace ?? 'default' };
}

/** Where a stored run's Workflow lives (the core's `workflowReference`); undefined when the run names none. */
export function storedWorkflowRef(run: WorkflowRunObject): WorkflowRef | undefined {
  const { kind, name, namespace } = workflowReference(run);
  return name === '' ? undefined : workflowRef(kind, name, namespace);
}

/**
 * A Workflow's parameter schema as JSON Schema, by the format rule of the core's `compileWorkflow` but through the
 * converters alone (no validator): OpenAPI v3 with its `$ref`s resolved, or the shorthand converted. Undefined
 * when the Workflow declares neither.
 */
export async function parameterSchema(workflow: WorkflowObject): Promise<JSONSchema | undefined> {
  const { shorthand, openapi } = schemaSource(workflow);
  if (isPlainObject(openapi)) return (await import('../../core/engine.ts')).resolveRefs(openapi) ?? undefined;
  if (!shorthand) return undefined;
  const { parameters, types } = shorthand;
  return (await import('../../core/engine.ts')).shorthandToJSONSchema(
    isPlainObject(parameters) ? parameters : undefined,
    isPlainObject(types) ? types : undefined,
  );
}

/** `clusterworkflow "x"` / `workflow "x" in namespace "y"`, the way kubectl names objects in errors. */
export function describeWorkflowRef(ref: WorkflowRef): string {
  return ref.kind === 'ClusterWorkflow'
    ? `clusterworkflow "${ref.name}"`
    : `workflow "${ref.name}" in namespace "${ref.namespace}"`;
}

export async function getWorkflow(kube: KubeClient, ref: WorkflowRef): Promise<WorkflowObject> {
  try {
    return (await kube.get(ref)) as WorkflowObject;
  } catch (err) {
    if (isObjectNotFound(err, ref.name)) {
      throw new CommandError(
        ref.kind === 'ClusterWorkflow'
          ? `clusterworkflow "${ref.name}" not found`
          : `workflow "${ref.name}" not found in namespace "${ref.namespace}"`,
      );
    }
    return rethrowMissingResource(err);
  }
}

/**
 * Which kind a new run refers to when the user did not say. v1.x CRDs serve ClusterWorkflow and default a run's
 * `spec.workflow.kind` to it; v0.17 CRDs have neither, and a run there names a Workflow in its own namespace with
 * no `kind` field at all (`omitKind`).
 */
export async function clusterWorkflowKind(
  kube: KubeClient,
  requested: WorkflowKind | undefined,
): Promise<{ kind: WorkflowKind; omitKind: boolean }> {
  const served = await kube.resources();
  if (!served.has('workflowruns')) {
    throw new CommandError(
      `the server at ${kube.server} serves no ${API_VERSION} WorkflowRun resource (are OpenChoreo's CRDs installed?)`,
    );
  }
  const hasClusterWorkflows = served.has('clusterworkflows');
  if (requested === 'ClusterWorkflow' && !hasClusterWorkflows) {
    throw new CommandError(
      "this cluster's OpenChoreo CRDs (v0.17) have no ClusterWorkflow; use --kind Workflow",
    );
  }
  if (!hasClusterWorkflows) return { kind: 'Workflow', omitKind: true };
  return { kind: requested ?? 'ClusterWorkflow', omitKind: false };
}

/** Option parser of a repeatable flag: every value given, in order. */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--kind`; commander checks the value, completion offers the choices. */
export function kindOption(): Option {
  return new Option(
    '--kind <kind>',
    'Workflow or ClusterWorkflow (default: ClusterWorkflow, or Workflow on v0.17 CRDs)',
  ).choices(['Workflow', 'ClusterWorkflow']);
}

/** `--unknown-parameters`: what to do with parameters the schema does not declare (the core's policy). */
export function unknownParametersOption(): Option {
  return new Option(
    '--unknown-parameters <policy>',
    'parameters the schema does not declare (default: deny)',
  ).choices(['deny', 'warn', 'allow']);
}

/** The kind in `--workflow KIND/NAME`, spelled as the API spells it. */
export function parseKind(value: string): WorkflowKind {
  const match = (['Workflow', 'ClusterWorkflow'] as const).find(
    (kind) => kind.toLowerCase() === value.toLowerCase(),
  );
  if (!match) throw new UsageError(`the kind must be Workflow or ClusterWorkflow, not "${value}"`);
  return match;
}

export type ObjectFormat = 'yaml' | 'json';

export async function printObject(
  io: IOStreams,
  value: JSONValue | object,
  format: ObjectFormat,
): Promise<void> {
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const { stringify } = await import('../yaml-text.ts');
  // kubectl's YAML: block style, sequences not indented under their key, no line folding. Strings that YAML 1.1
  // would read as something else (yes, on, timestamps) are quoted, so kubectl apply reads back the same data.
  io.stdout.write(
    stringify(value, { version: '1.1', indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false }),
  );
}

/** kubectl's list wrapper for `-o json|yaml` of several objects. */
export function asList(items: JSONObject[]): JSONObject {
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

/** Parses a kubectl-style duration (`30s`, `5m`, `1h30m`, `90`, `0` = no limit) to milliseconds. */
export function parseTimeout(value: string, flag = '--timeout'): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed = pattern.lastIndex;
  }
  if (text === '' || consumed !== text.length) {
    throw new UsageError(`${flag} must be a duration such as 30s, 5m or 1h30m, not "${value}"`);
  }
  return total;
}
