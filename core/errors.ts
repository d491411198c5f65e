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
