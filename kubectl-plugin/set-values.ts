// Parameters from the command line: `--set path=value` (values typed as JSON would type them, `a.b[0]=x` for
// list items) layered over `--values` files. User keys such as `__proto__` stay plain data throughout.
import { cloneJSON, getOwn, isPlainObject, setOwn, type JSONObject, type JSONValue } from '../core/index.ts';
import { UsageError } from './cmdutil/errors.ts';

/** One step of a `--set` path: a map key or a list index. */
export type PathStep = { key: string } | { index: number };

/** Deepest `--set` path accepted; deeper input is almost certainly a mistake or an attack. */
const MAX_PATH_STEPS = 64;

/**
 * Splits `a.b[0].c` into steps. A backslash escapes the next character, so `labels.app\.kubernetes\.io/name`
 * addresses one key containing dots; `[N]` is a list index.
 */
export function parseSetPath(path: string, flag = '--set'): PathStep[] {
  const steps: PathStep[] = [];
  const fail = (why: string): never => {
    throw new UsageError(`${flag} ${path}: ${why}`);
  };
  let key: string | undefined;
  // After a "." a key must follow; after "]" either "." or "[" must.
  let needKey = true;
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    if (char === '.' || char === '[') {
      if (key !== undefined) steps.push({ key });
      else if (needKey) fail(char === '[' ? 'a list index needs a name before it' : 'has an empty key');
      key = undefined;
      needKey = char === '.';
      if (char === '[') {
        const close = path.indexOf(']', i);
        const digits = close < 0 ? '' : path.slice(i + 1, close);
        if (!/^\d+$/.test(digits)) fail('list indexes must be written [0], [1], ...');
        const index = Number(digits);
        if (!Number.isSafeInteger(index)) fail(`list index ${digits} is too large`);
        steps.push({ index });
        i = close;
        const after = path[i + 1];
        if (after !== undefined && after !== '.' && after !== '[') fail('expected "." or "[" after "]"');
      }
      continue;
    }
    if (!needKey && key === undefined) fail('expected "." or "[" after "]"');
    if (char === '\\') {
      if (i + 1 >= path.length) fail('ends with a lone backslash');
      i++;
    }
    key = (key ?? '') + path[i];
  }
  if (key !== undefined) steps.push({ key });
  else if (needKey) fail(steps.length === 0 ? 'has no parameter name' : 'has an empty key');
  if (steps.length > MAX_PATH_STEPS) fail(`is deeper than ${MAX_PATH_STEPS} levels`);
  return steps;
}

/** A map key written as one `--set` path segment: backslash, `.`, `[`, `]` and `=` escaped with a backslash. */
export function setPathKey(key: string): string {
  return key.replace(/[\\.[\]=]/g, (char) => `\\${char}`);
}

/**
 * The value of `--set path=value`, typed as JSON would type it: `3` is a number, `true` a boolean, `null` null,
 * `[1,2]` a list, `{"a":1}` a map, `"3"` the string 3; anything that is not JSON is a plain string.
 */
export function parseSetValue(text: string, flag = '--set', path = ''): JSONValue {
  let value: JSONValue;
  try {
    value = JSON.parse(text) as JSONValue;
  } catch {
    return text;
  }
  if (typeof value === 'number' && !representsExactly(text, value)) {
    throw new UsageError(
      `${flag} ${path}=${text}: the number cannot be kept exactly; quote it to pass a string: ${path}='"${text}"'`,
    );
  }
  return value;
}

// 12345678901234567890 or 1e400 would silently change value; refuse instead of losing what was typed.
function representsExactly(text: string, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) return Number.isSafeInteger(value);
  return true;
}

/** Splits `path=value` at the first `=` that is not escaped. */
export function splitAssignment(assignment: string, flag = '--set'): { path: string; value: string } {
  for (let i = 0; i < assignment.length; i++) {
    if (assignment[i] === '\\') {
      i++;
    } else if (assignment[i] === '=') {
      return { path: assignment.slice(0, i), value: assignment.slice(i + 1) };
    }
  }
  throw new UsageError(`${flag} ${assignment}: expected path=value`);
}

/**
 * Writes `value` at `steps` inside `target`, creating maps and lists on the way. A list index may address an
 * existing item or the next one (appending); a gap is refused rather than filled with nulls.
 */
function setAtPath(target: JSONObject, steps: PathStep[], value: JSONValue, describe: string): void {
  let current: JSONObject | JSONValue[] = target;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const next = steps[i + 1];
    if ('key' in step) {
      if (!isPlainObject(current))
        throw new UsageError(`${describe}: "${step.key}" names a key, but there is a list`);
      if (!next) return setOwn(current, step.key, value);
      current = childContainer(current, step.key, getOwn(current, step.key), next, describe);
    } else {
      if (!Array.isArray(current))
        throw new UsageError(`${describe}: [${step.index}] is a list index, but there is a map`);
      if (step.index > current.length) {
        const items = `${current.length} item${current.length === 1 ? '' : 's'}`;
        throw new UsageError(`${describe}: index [${step.index}] would leave a gap (the list has ${items})`);
      }
      if (!next) {
        current[step.index] = value;
        return;
      }
      current = childContainer(current, step.index, current[step.index], next, describe);
    }
  }
}

/**
 * The map or list to descend into for `next`. A missing value or a plain value (say `revision: main` from a
 * values file, then `--set revision.branch=dev`) is replaced by a fresh container, as Helm does; a list where a
 * map is needed (or the reverse) is refused, since replacing it would silently drop what the user gave.
 */
function childContainer(
  parent: JSONObject | JSONValue[],
  at: string | number,
  child: JSONValue | undefined,
  next: PathStep,
  describe: string,
): JSONObject | JSONValue[] {
  const wantList = 'index' in next;
  if (isContainer(child)) {
    if (Array.isArray(child) === wantList) return child;
    throw new UsageError(
      `${describe}: ${typeof at === 'number' ? `[${at}]` : `"${at}"`} holds a ${wantList ? 'map' : 'list'}, not a ${wantList ? 'list' : 'map'}`,
    );
  }
  const fresh: JSONObject | JSONValue[] = wantList ? [] : {};
  if (Array.isArray(parent)) parent[at as number] = fresh;
  else setOwn(parent, at as string, fresh);
  return fresh;
}

function isContainer(value: JSONValue | undefined): value is JSONObject | JSONValue[] {
  return typeof value === 'object' && value !== null;
}

/** Merges `overlay` into a copy of `base`: maps merge key by key, anything else (lists included) is replaced. */
export function deepMerge(base: JSONObject, overlay: JSONObject): JSONObject {
  const result = cloneJSON(base);
  for (const key of Object.keys(overlay)) {
    const incoming = overlay[key] as JSONValue;
    const existing = getOwn(result, key);
    setOwn(
      result,
      key,
      isPlainObject(existing) && isPlainObject(incoming)
        ? deepMerge(existing, incoming)
        : cloneJSON(incoming),
    );
  }
  return result;
}

/** Applies `--set` assignments in order to a copy of `base`. */
export function applySetFlags(base: JSONObject, assignments: readonly string[], flag = '--set'): JSONObject {
  const result = cloneJSON(base);
  for (const assignment of assignments) {
    const { path, value } = splitAssignment(assignment, flag);
    setAtPath(result, parseSetPath(path, flag), parseSetValue(value, flag, path), `${flag} ${assignment}`);
  }
  return result;
}
