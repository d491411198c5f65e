/**
 * A base class whose `instanceof` holds for every copy of a subclass loaded: it checks a registered symbol rather
 * than the prototype chain. A program that loads a module twice (a test runner that requires a file and later
 * imports it) still tells its errors apart by class.
 */
export function brandedError(brand: string) {
  const key = Symbol.for(`openchoreo-workflowrun.${brand}`);
  return class extends Error {
    readonly [key] = true;
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof Error && (value as unknown as Record<symbol, unknown>)[key] === true;
    }
  };
}

// A Workflow's parameter schema that cannot be used: it does not parse, does not compile, or its defaults break its
// own constraints. The message names the problem; `field` (when known) is the schema path it was found at.
export class SchemaError extends brandedError('SchemaError') {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SchemaError';
  }
}

// Input a user handed us (a file, a flag, stdin) that cannot be used at all: unreadable, not YAML, not an object.
// The message starts with where the input came from, so a CLI can print it as one line.
export class InputError extends brandedError('InputError') {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
