// What the fidelity test compares: two CRDs with their descriptions (and OpenChoreo's generator stamp) left out,
// and the differences listed by path, so a failure says which field of which schema to fix.
import { isDeepStrictEqual } from 'node:util';

// controller-gen stamps its version on every CRD it writes; ours are written by hand.
const GENERATOR_ANNOTATION = 'controller-gen.kubebuilder.io/version';
// Keys whose values are maps from a field name to a schema: a field called "description" is a field, not prose.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
// Keys whose values are data, where a "description" key is data too.
const DATA_KEYS = new Set(['default', 'enum', 'example']);

type Json = unknown;

function withoutDescriptions(value: Json, underSchemaMap = false): Json {
  if (Array.isArray(value)) return value.map((item) => withoutDescriptions(item));
  if (value === null || typeof value !== 'object') return value;
  const kept: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'description' && !underSchemaMap) continue;
    if (underSchemaMap) kept[key] = withoutDescriptions(child);
    else kept[key] = DATA_KEYS.has(key) ? child : withoutDescriptions(child, SCHEMA_MAPS.has(key));
  }
  return kept;
}

/** The CRD as the fidelity test compares it: no descriptions, no generator annotation. */
export function comparable(crd: Json): Json {
  const copy = withoutDescriptions(crd) as { metadata?: { annotations?: Record<string, string> } };
  const annotations = copy.metadata?.annotations;
  if (annotations) {
    delete annotations[GENERATOR_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete copy.metadata!.annotations;
  }
  return copy;
}

const show = (value: Json) => (value === undefined ? 'absent' : JSON.stringify(value));

/** Every place where `ours` and `theirs` differ, as `path: ours X, OpenChoreo Y`; empty when they are equal. */
export function differences(ours: Json, theirs: Json, path = ''): string[] {
  if (isDeepStrictEqual(ours, theirs)) return [];
  const bothObjects = [ours, theirs].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
  if (bothObjects) {
    const a = ours as Record<string, Json>;
    const b = theirs as Record<string, Json>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => differences(a[key], b[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(ours) && Array.isArray(theirs) && ours.length === theirs.length) {
    return ours.flatMap((item, index) => differences(item, theirs[index], `${path}[${index}]`));
  }
  return [`${path || '(the whole object)'}: ours ${show(ours)}, OpenChoreo ${show(theirs)}`];
}
