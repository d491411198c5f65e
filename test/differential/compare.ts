// What must agree between our core and the Go oracle: whether the schema is accepted, and for each value the
// verdict, the defaulted value and the set of field paths in error. Messages may differ (ours are in kubectl's
// style), so they are shown but never compared.
import { isPlainObject, type JSONValue } from '../../core/index.ts';
import type { OurVerdict } from './ours.ts';
import type { ReferenceVerdict } from './reference.ts';

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
  judgedValue: boolean,
): string[] {
  if (reference.failure) return [`the reference could not judge the case: ${reference.failure}`];
  if (ours.schemaAccepted !== reference.schemaAccepted) {
    return [
      ours.schemaAccepted
        ? `schema: we accept it, the reference refuses it (${(reference.schemaErrors ?? []).join('; ')})`
        : `schema: we refuse it (${ours.schemaError}), the reference accepts it`,
    ];
  }
  if (!ours.schemaAccepted || !judgedValue) return [];
  const differences: string[] = [];
  const ourDefaulted = canonicalJSON(ours.defaulted);
  const theirDefaulted = canonicalJSON(reference.defaulted);
  if (ourDefaulted !== theirDefaulted) {
    differences.push(`defaulted value: ours ${ourDefaulted}, the reference's ${theirDefaulted}`);
  }
  const ourPaths = new Set(ours.errors.map((error) => normalizedPath(error.field)));
  const theirErrors = reference.errors ?? [];
  const theirPaths = new Set(theirErrors.map((error) => normalizedPath(error.path)));
  if (ourPaths.size === 0 && theirPaths.size > 0)
    differences.push('verdict: we accept the value, the reference denies it');
  if (ourPaths.size > 0 && theirPaths.size === 0)
    differences.push('verdict: we deny the value, the reference accepts it');
  for (const error of ours.errors) {
    if (!theirPaths.has(normalizedPath(error.field)))
      differences.push(`only we report ${error.field}: ${error.message}`);
  }
  for (const error of theirErrors) {
    if (!ourPaths.has(normalizedPath(error.path)))
      differences.push(`only the reference reports ${error.path}: ${error.type}: ${error.detail ?? ''}`);
  }
  return differences;
}
