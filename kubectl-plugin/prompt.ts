// `create` on a terminal, as `tkn pipeline start` does: a question for each required parameter that has no value
// and no default (with --prompt-all, also each one with a default the user did not set, the default offered).
// Every answer is checked as it is typed, with the core's validation of the whole run, and the question asked
// again with the error shown. Ctrl-C or end of input abandons the command: nothing is sent.
import { createInterface, type Interface } from 'node:readline';
import {
  copyOwn,
  getOwn,
  isPlainObject,
  setOwn,
  type FieldError,
  type JSONObject,
  type JSONSchema,
  type JSONValue,
} from '../core/index.ts';
import { CommandError } from './cmdutil/errors.ts';
import type { IOStreams } from './cmdutil/factory.ts';
import { parseSetValue, setPathKey } from './set-values.ts';

export interface Question {
  path: string[];
  schema: JSONSchema;
}

const MAX_DEPTH = 64;

/**
 * Required parameters absent from `parameters` (already defaulted, so an absent one has no default). A missing
 * object whose own fields are required is asked field by field.
 */
export function missingRequired(schema: JSONSchema, parameters: JSONObject, path: string[] = []): Question[] {
  const properties = getOwn(schema, 'properties');
  if (!isPlainObject(properties) || path.length > MAX_DEPTH) return [];
  const required = getOwn(schema, 'required');
  const requiredKeys = new Set(
    Array.isArray(required) ? required.filter((key) => typeof key === 'string') : [],
  );
  const questions: Question[] = [];
  for (const key of Object.keys(properties)) {
    const child = properties[key];
    if (!isPlainObject(child)) continue;
    const value = getOwn(parameters, key);
    if (isPlainObject(value)) questions.push(...missingRequired(child, value, [...path, key]));
    else if (value === undefined && requiredKeys.has(key)) {
      const inner = missingRequired(child, {}, [...path, key]);
      questions.push(...(inner.length > 0 ? inner : [{ path: [...path, key], schema: child }]));
    }
  }
  return questions;
}

/** Leaves with a default that `given` (what the user set) does not hold: what --prompt-all asks as well. */
export function defaultedLeaves(
  schema: JSONSchema,
  given: JSONValue | undefined,
  path: string[] = [],
): Question[] {
  const properties = getOwn(schema, 'properties');
  if (!isPlainObject(properties) || path.length > MAX_DEPTH) return [];
  const questions: Question[] = [];
  for (const key of Object.keys(properties)) {
    const child = properties[key];
    if (!isPlainObject(child)) continue;
    const value = isPlainObject(given) ? getOwn(given, key) : undefined;
    const nested = defaultedLeaves(child, value, [...path, key]);
    if (nested.length > 0 || isPlainObject(getOwn(child, 'properties'))) questions.push(...nested);
    else if (value === undefined && Object.hasOwn(child, 'default'))
      questions.push({ path: [...path, key], schema: child });
  }
  return questions;
}

/** `path (type, one of a|b): description [default]`, the way the question is put. */
export function questionText(question: Question): string {
  const { schema } = question;
  const details: string[] = [];
  const type = getOwn(schema, 'type');
  if (typeof type === 'string') details.push(type);
  const choices = getOwn(schema, 'enum');
  if (Array.isArray(choices)) {
    details.push(
      `one of ${choices.map((choice) => (typeof choice === 'string' ? choice : JSON.stringify(choice))).join('|')}`,
    );
  }
  const description = getOwn(schema, 'description');
  const fallback = getOwn(schema, 'default');
  return (
    `${question.path.map(setPathKey).join('.')}${details.length > 0 ? ` (${details.join(', ')})` : ''}` +
    `${typeof description === 'string' && description !== '' ? `: ${description}` : ''}` +
    `${fallback === undefined ? '' : ` [${typeof fallback === 'string' ? fallback : JSON.stringify(fallback)}]`}? `
  );
}

/** An answer as the value it stands for: strings as typed, anything else as --set types it. */
export function answerValue(text: string, schema: JSONSchema): JSONValue {
  return getOwn(schema, 'type') === 'string' ? text : parseSetValue(text, 'answer');
}

/** The errors that concern the parameter at `path`, among those of the whole run. */
export function errorsAt(errors: readonly FieldError[], path: string[]): FieldError[] {
  const field = ['spec.workflow.parameters', ...path].join('.');
  return errors.filter(
    ({ field: at }) => at === field || at.startsWith(`${field}.`) || at.startsWith(`${field}[`),
  );
}

export function setAt(parameters: JSONObject, path: string[], value: JSONValue): JSONObject {
  const [key, ...rest] = path;
  if (key === undefined) return parameters;
  const copy = copyOwn(parameters);
  const child = getOwn(parameters, key);
  setOwn(copy, key, rest.length === 0 ? value : setAt(isPlainObject(child) ? child : {}, rest, value));
  return copy;
}

/** Lines typed at the terminal; a question answered with undefined means Ctrl-C or end of input. */
export class Terminal {
  readonly #lines: Interface;
  #closed = false;
  #pending: ((answer: string | undefined) => void) | undefined;

  constructor(io: IOStreams) {
    this.#lines = createInterface({
      input: io.stdin,
      output: io.stdout as NodeJS.WritableStream,
      terminal: true,
    });
    const abandon = () => {
      this.#closed = true;
      this.#pending?.(undefined);
      this.#pending = undefined;
    };
    this.#lines.on('SIGINT', abandon);
    this.#lines.on('close', abandon);
  }

  ask(text: string): Promise<string | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#pending = resolve;
      this.#lines.question(text, (answer) => {
        this.#pending = undefined;
        resolve(answer);
      });
    });
  }

  close(): void {
    this.#lines.close();
  }
}

/**
 * Asks each question until its answer passes `check` (the errors of the run with that answer), and returns the
 * parameters with every answer set. Throws when the user abandons: nothing is to be sent.
 */
export async function askParameters(
  io: IOStreams,
  questions: readonly Question[],
  parameters: JSONObject,
  check: (parameters: JSONObject) => FieldError[],
): Promise<JSONObject> {
  const terminal = new Terminal(io);
  let answered = parameters;
  try {
    for (const question of questions) {
      for (;;) {
        const typed = await terminal.ask(questionText(question));
        if (typed === undefined) throw new CommandError('abandoned at a prompt; nothing was sent');
        const fallback = getOwn(question.schema, 'default');
        if (typed === '' && fallback !== undefined) break;
        let candidate: JSONObject;
        try {
          candidate = setAt(answered, question.path, answerValue(typed, question.schema));
        } catch (err) {
          io.stderr.write(`  ${(err as Error).message}\n`);
          continue;
        }
        const problems = errorsAt(check(candidate), question.path);
        if (problems.length === 0) {
          answered = candidate;
          break;
        }
        for (const problem of problems) io.stderr.write(`  ${problem.field}: ${problem.message}\n`);
      }
    }
  } finally {
    terminal.close();
  }
  return answered;
}
