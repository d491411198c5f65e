// What must agree between our core and the Go oracle: whether the schema is accepted, and for each value the
// verdict, the defaulted value and the set of field paths in error. Messages may differ (ours are in kubectl's
// style), so they are shown but never compared. The deliberate differences (README, "Deliberate differences from
// Kubernetes") are recognised here, each by its own rule, and nothing else is forgiven.
import { isPlainObject, type JSONObject, type JSONValue } from '../../core/index.ts';
import type { OurVerdict } from './ours.ts';
import type { ReferenceVerdict } from './reference.ts';

const PARAMETERS = 'spec.workflow.parameters';

/** `a[k].b[0]` and Go's `a.k.b[0]` name the same field: brackets and dots are one separator here. */
export function normalizedPath(path: string): string {
  return path.replace(/\[([^\]]*)\]/g, '.$1');
}

export function canonicalJSON(value: JSONValue | undefined): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJSON(value[key] as JSONValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The ways the two verdicts differ, each as a sentence; empty when they agree. */
export function verdictDifferences(
  ours: OurVerdict,
  reference: ReferenceVerdict,
  input: JSONValue | undefined,
): string[] {
  if (reference.failure) return [`the reference could not judge the case: ${reference.failure}`];
  if (ours.schemaAccepted !== reference.schemaAccepted) {
    return [
      ours.schemaAccepted
        ? `schema: we accept it, the reference refuses it (${(reference.schemaErrors ?? []).join('; ')})`
        : `schema: we refuse it (${ours.schemaError}), the reference accepts it`,
    ];
  }
  if (!ours.schemaAccepted || input === undefined) return [];

  const differences: string[] = [];
  // Deliberate: the seed's minimal run promises that a required object without a default, all of whose fields can
  // be defaulted, is created and filled; Kubernetes leaves it missing and reports it required.
  const seedFilled = createdObjects(input, ours.defaulted, reference.defaulted, PARAMETERS);
  const ourDefaulted = canonicalJSON(without(ours.defaulted, seedFilled));
  const theirDefaulted = canonicalJSON(reference.defaulted);
  if (ourDefaulted !== theirDefaulted) {
    differences.push(`defaulted value: ours ${ourDefaulted}, the reference's ${theirDefaulted}`);
  }
  // A created object also counts for its parent's minProperties/maxProperties.
  const excused = (path: string) =>
    seedFilled.some((at) => under(path, at) || at.slice(0, at.lastIndexOf('.')) === path);

  const ourPaths = new Map<string, string>();
  for (const error of ours.errors) {
    const path = normalizedPath(error.field);
    if (!excused(path)) ourPaths.set(path, `${error.field}: ${error.message}`);
  }
  const theirs = referencePaths(reference.errors ?? []);
  for (const path of [...theirs.paths.keys()]) if (excused(path)) theirs.paths.delete(path);

  if (ourPaths.size === 0 && theirs.paths.size > 0)
    differences.push('verdict: we accept the value, the reference denies it');
  if (ourPaths.size > 0 && theirs.paths.size === 0)
    differences.push('verdict: we deny the value, the reference accepts it');
  for (const [path, description] of ourPaths) {
    if (!theirs.paths.has(path)) differences.push(`only we report ${description}`);
  }
  for (const [path, description] of theirs.paths) {
    if (!ourPaths.has(path) && !theirs.explained(path))
      differences.push(`only the reference reports ${description}`);
  }
  return differences;
}

function under(path: string, at: string): boolean {
  return path === at || path.startsWith(`${at}.`);
}

// Deliberate: kube-openapi reports a failed allOf/anyOf/oneOf/not as an error of the whole parameters object,
// naming the field in its message, and adds the errors of the alternative it judges closest (by its count of
// passing checks). We report the failure at the field itself, and only that. So the composite's error counts at
// the field it names, and the reference's errors at or below such a field need not be ours.
const COMPOSITE = /^"(.*)" must (?:validate|not validate) /;

function referencePaths(errors: NonNullable<ReferenceVerdict['errors']>): {
  paths: Map<string, string>;
  explained: (path: string) => boolean;
} {
  const paths = new Map<string, string>();
  const composites: string[] = [];
  for (const error of errors) {
    const composite = error.path === PARAMETERS ? COMPOSITE.exec(error.detail ?? '') : null;
    const path = composite ? normalizedPath(`${PARAMETERS}.${composite[1]}`) : normalizedPath(error.path);
    if (composite) composites.push(path);
    paths.set(path, `${error.path}: ${error.type}: ${error.detail ?? ''}`);
  }
  return { paths, explained: (path) => composites.some((at) => under(path, at)) };
}

/** Objects our defaulting created where the input had none and Kubernetes' defaulting put nothing either. */
function createdObjects(
  input: JSONValue | undefined,
  ours: JSONValue | undefined,
  theirs: JSONValue | undefined,
  path: string,
): string[] {
  if (!isPlainObject(ours)) return [];
  if (input === undefined && theirs === undefined) return [path];
  const found: string[] = [];
  const given = isPlainObject(input) ? input : {};
  const their = isPlainObject(theirs) ? theirs : {};
  for (const key of Object.keys(ours)) {
    found.push(...createdObjects(given[key], ours[key], their[key], `${path}.${key}`));
  }
  return found;
}

/** A copy of the defaulted parameters without the objects at the given paths. */
function without(value: JSONValue | undefined, paths: string[], path = PARAMETERS): JSONValue | undefined {
  if (!isPlainObject(value)) return value;
  const copy: JSONObject = {};
  for (const key of Object.keys(value)) {
    const child = `${path}.${key}`;
    if (!paths.includes(child)) copy[key] = without(value[key] as JSONValue, paths, child) as JSONValue;
  }
  return copy;
}
