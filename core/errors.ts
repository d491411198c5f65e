// A Workflow's parameter schema that cannot be used: it does not parse, does not compile, or its defaults break its
// own constraints. The message names the problem; `field` (when known) is the schema path it was found at.
export class SchemaError extends Error {
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
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
