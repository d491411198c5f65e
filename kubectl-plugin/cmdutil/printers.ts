// Objects printed as kubectl prints them: `-o yaml|json`, its List wrapper, and the `-o name` form.
import { GROUP, type JSONObject, type JSONValue } from '../../core/index.ts';
import type { IOStreams } from './factory.ts';

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

/** kubectl's `<resource>.<group>/<name>` form, used by `-o name` and the one-line results. */
export function qualifiedName(name: string): string {
  return `workflowrun.${GROUP}/${name}`;
}
