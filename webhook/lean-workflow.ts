// What the webhook keeps of a Workflow: the parts admission reads, nothing else. A Workflow as the API server sends
// it carries managedFields, a last-applied annotation, its runTemplate and status, about 28 KB per Workflow in
// memory (issue #14); the informers store what leanWorkflow returns instead, so their cache grows with the schemas
// alone.
import { Watch } from '@kubernetes/client-node';
import { DISPLAY_NAME_ANNOTATION, isPlainObject } from '../core/index.ts';

const KEPT_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation'] as const;

/**
 * Identity, resourceVersion and generation, the display-name annotation (a run's default display name comes from
 * it) and the two places a schema can live (`spec.schema`, `spec.parameters`). Anything that is not an object is
 * returned as it is, for the informer to handle as before.
 */
export function leanWorkflow<T>(object: T): T {
  if (!isPlainObject(object)) return object;
  const lean: Record<string, unknown> = {};
  if (object.apiVersion !== undefined) lean.apiVersion = object.apiVersion;
  if (object.kind !== undefined) lean.kind = object.kind;
  const metadata = object.metadata;
  if (isPlainObject(metadata)) {
    const kept: Record<string, unknown> = {};
    for (const field of KEPT_METADATA) if (metadata[field] !== undefined) kept[field] = metadata[field];
    const annotations = metadata.annotations;
    if (isPlainObject(annotations) && typeof annotations[DISPLAY_NAME_ANNOTATION] === 'string')
      kept.annotations = { [DISPLAY_NAME_ANNOTATION]: annotations[DISPLAY_NAME_ANNOTATION] };
    lean.metadata = kept;
  }
  const spec = object.spec;
  if (isPlainObject(spec)) {
    const kept: Record<string, unknown> = {};
    if (spec.schema !== undefined) kept.schema = spec.schema;
    if (spec.parameters !== undefined) kept.parameters = spec.parameters;
    lean.spec = kept;
  }
  return lean as T;
}

// The events whose object is a Workflow; an ERROR event's object is a Status (its `code` tells a 410 Gone).
const OBJECT_PHASES: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED']);

/**
 * client-node's Watch with every event's Workflow made lean before the informer sees it: client-node 1.4's
 * informer has no transform hook, but it takes the Watch it reads events from.
 */
export class LeanWatch extends Watch {
  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, object, event) =>
        callback(phase, OBJECT_PHASES.has(phase) ? leanWorkflow(object) : object, event),
      done,
    );
  }
}
