import { expect } from 'chai';

import {
  SchemaError,
  type FieldError,
  type JSONObject,
  type JSONSchema,
  type JSONValue,
} from '../../core/index.ts';
import {
  CompiledChecks,
  compileValidator,
  shorthandToJSONSchema,
  MAX_PARAMETER_DEPTH,
  MAX_REPORTED_ERRORS,
  MAX_VALIDATED_SCHEMA_DEPTH,
} from '../../core/engine.ts';

const P = 'spec.workflow.parameters';

function errorsOf(schema: JSONSchema, values: JSONValue | undefined): FieldError[] {
  return compileValidator(schema).validate(values, 'allow').errors;
}

function only(schema: JSONSchema, values: JSONValue): string {
  const errors = errorsOf(schema, values);
  expect(errors, JSON.stringify(errors)).to.have.length(1);
  return `${errors[0]!.field}: ${errors[0]!.message}`;
}

function schemaError(schema: unknown): SchemaError {
  try {
    compileValidator(schema as JSONSchema);
  } catch (error) {
    expect(error).to.be.instanceOf(SchemaError);
    return error as SchemaError;
  }
  throw new Error('expected a SchemaError');
}

const object = (properties: JSONObject, extra: JSONObject = {}): JSONSchema => ({
  type: 'object',
  properties,
  ...extra,
});

describe('core/validation: Kubernetes field error wording', () => {
  it('reports a missing required property with its full path', () => {
    const schema = object({ repository: object({ url: { type: 'string' } }, { required: ['url'] }) });
    expect(only(schema, { repository: {} })).to.equal(`${P}.repository.url: Required value`);
  });

  it('reports enum, type, pattern and bound violations with the value quoted as Kubernetes does', () => {
    expect(only(object({ format: { type: 'string', enum: ['table', 'json'] } }), { format: 'xml' })).to.equal(
      `${P}.format: Unsupported value: "xml": supported values: "table", "json"`,
    );
    expect(only(object({ replicas: { type: 'integer' } }), { replicas: 'three' })).to.equal(
      `${P}.replicas: Invalid value: "three": must be of type integer`,
    );
    expect(only(object({ replicas: { type: 'integer' } }), { replicas: 1.5 })).to.equal(
      `${P}.replicas: Invalid value: 1.5: must be of type integer`,
    );
    expect(only(object({ name: { type: 'string', pattern: '^[a-z]+$' } }), { name: 'ABC' })).to.equal(
      `${P}.name: Invalid value: "ABC": must match pattern "^[a-z]+$"`,
    );
    expect(only(object({ n: { type: 'integer', maximum: 3 } }), { n: 5 })).to.equal(
      `${P}.n: Invalid value: 5: must be less than or equal to 3`,
    );
    expect(only(object({ n: { type: 'integer', minimum: 1 } }), { n: 0 })).to.equal(
      `${P}.n: Invalid value: 0: must be greater than or equal to 1`,
    );
    expect(only(object({ n: { type: 'number', multipleOf: 5 } }), { n: 7 })).to.equal(
      `${P}.n: Invalid value: 7: must be a multiple of 5`,
    );
    expect(only(object({ ok: { type: 'boolean' } }), { ok: null })).to.equal(
      `${P}.ok: Invalid value: null: must be of type boolean`,
    );
  });

  it('reports length, item and property counts', () => {
    expect(only(object({ s: { type: 'string', maxLength: 3 } }), { s: 'abcd' })).to.equal(
      `${P}.s: Too long: may not be longer than 3`,
    );
    expect(only(object({ s: { type: 'string', minLength: 1 } }), { s: '' })).to.equal(
      `${P}.s: Invalid value: "": must be at least 1 character long`,
    );
    expect(only(object({ l: { type: 'array', maxItems: 2 } }), { l: [1, 2, 3] })).to.equal(
      `${P}.l: Too many: 3: must have at most 2 items`,
    );
    expect(only(object({ l: { type: 'array', minItems: 1 } }), { l: [] })).to.equal(
      `${P}.l: Invalid value: []: must have at least 1 item`,
    );
    expect(only(object({ m: { type: 'object', maxProperties: 1 } }), { m: { a: 1, b: 2 } })).to.equal(
      `${P}.m: Too many: 2: must have at most 1 property`,
    );
    expect(only(object({ l: { type: 'array', uniqueItems: true } }), { l: ['a', 'b', 'a'] })).to.equal(
      `${P}.l: Duplicate value: "a" (item 2)`,
    );
  });

  it('names map entries [key] and array items [index]', () => {
    const schema = object({
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      mounts: { type: 'array', items: object({ path: { type: 'string' } }, { required: ['path'] }) },
    });
    expect(
      errorsOf(schema, { labels: { 'app.kubernetes.io/name': 1 }, mounts: [{ path: '/a' }, {}] }),
    ).to.deep.equal([
      { field: `${P}.labels[app.kubernetes.io/name]`, message: 'Invalid value: 1: must be of type string' },
      { field: `${P}.mounts[1].path`, message: 'Required value' },
    ]);
  });

  it('reports a failed anyOf/oneOf once, not once per branch', () => {
    const schema = object({ v: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^x' }] } });
    expect(only(schema, { v: 'abc' })).to.equal(
      `${P}.v: Invalid value: "abc": must match at least one of the allowed schemas`,
    );
  });

  it('reports every error at once, sorted by field then message', () => {
    const schema = object(
      {
        b: { type: 'integer', minimum: 10, multipleOf: 3 },
        a: { type: 'string', enum: ['x'] },
        c: object({ d: { type: 'string' } }, { required: ['d'] }),
      },
      { required: ['c', 'z'] },
    );
    expect(errorsOf(schema, { b: 4, a: 'y' })).to.deep.equal([
      { field: `${P}.a`, message: 'Unsupported value: "y": supported values: "x"' },
      { field: `${P}.b`, message: 'Invalid value: 4: must be a multiple of 3' },
      { field: `${P}.b`, message: 'Invalid value: 4: must be greater than or equal to 10' },
      { field: `${P}.c`, message: 'Required value' },
      { field: `${P}.z`, message: 'Required value' },
    ]);
  });

  it('reports non-object parameters as one clear error, and validates null/undefined as {}', () => {
    const schema = object({ a: { type: 'string' } }, { required: ['a'] });
    expect(errorsOf(schema, 'text')).to.deep.equal([
      { field: P, message: 'Invalid value: "text": must be of type object' },
    ]);
    expect(errorsOf(schema, [1])).to.deep.equal([
      { field: P, message: 'Invalid value: [1]: must be of type object' },
    ]);
    expect(errorsOf(schema, 7)).to.deep.equal([
      { field: P, message: 'Invalid value: 7: must be of type object' },
    ]);
    expect(errorsOf(schema, undefined)).to.deep.equal([{ field: `${P}.a`, message: 'Required value' }]);
    expect(errorsOf(schema, null)).to.deep.equal([{ field: `${P}.a`, message: 'Required value' }]);
  });
});

describe('core/validation: OpenAPI v3 and Kubernetes keywords', () => {
  it('understands the boolean exclusiveMinimum/exclusiveMaximum of OpenAPI v3.0', () => {
    const schema = object({
      n: { type: 'integer', minimum: 1, exclusiveMinimum: true, maximum: 5, exclusiveMaximum: true },
    });
    expect(only(schema, { n: 1 })).to.equal(`${P}.n: Invalid value: 1: must be greater than 1`);
    expect(only(schema, { n: 5 })).to.equal(`${P}.n: Invalid value: 5: must be less than 5`);
    expect(errorsOf(schema, { n: 3 })).to.deep.equal([]);
    const inclusive = object({ n: { type: 'integer', minimum: 1, exclusiveMinimum: false } });
    expect(errorsOf(inclusive, { n: 1 })).to.deep.equal([]);
  });

  it('understands nullable, int-or-string and the formats Kubernetes checks; ignores int32/int64, other formats and x- keys', () => {
    const schema = object({
      a: { type: 'string', nullable: true, enum: ['x'] },
      b: { 'x-kubernetes-int-or-string': true },
      c: { type: 'integer', format: 'int32' },
      d: { type: 'integer', format: 'int64' },
      e: { type: 'string', format: 'some-format-nobody-knows', 'x-openchoreo-ui': { widget: 'text' } },
      f: { type: 'string', format: 'date-time' },
    });
    expect(errorsOf(schema, { b: 'abc', c: 2147483648, d: 9007199254740991, e: 'anything' })).to.deep.equal(
      [],
    );
    expect(errorsOf(schema, { b: 1 })).to.deep.equal([]);
    // As kube-openapi: a null passes a nullable type but never an enum; an integer is integral within 2^53.
    expect(errorsOf(schema, { a: null, b: true, c: 1.5, d: 2 ** 53, f: 'yesterday' })).to.deep.equal([
      { field: `${P}.a`, message: 'Unsupported value: null: supported values: "x"' },
      { field: `${P}.b`, message: 'Invalid value: true: must be of type integer or string' },
      { field: `${P}.c`, message: 'Invalid value: 1.5: must be of type integer' },
      { field: `${P}.d`, message: 'Invalid value: 9007199254740992: must be of type integer' },
      { field: `${P}.f`, message: 'Invalid value: "yesterday": must be a valid date-time' },
    ]);
  });

  it('checks a format as Kubernetes does, for run values and shorthand defaults alike', () => {
    // [format, a value Kubernetes accepts, one it refuses]; a Go duration, a path-only uri and an email with a
    // display name are accepted, where ajv-formats alone would refuse them.
    const cases: [string, string, string][] = [
      ['duration', '1h30m', ''],
      ['uri', '/relative', 'no scheme'],
      ['email', 'Jane <jane@example.com>', 'jane'],
      ['cidr', '10.0.0.0/8', '10.0.0.0/33'],
      ['mac', '00:1a:2b:3c:4d:5e', '00:1a:2b'],
      ['hostname', 'example.com', 'v1.2'],
      ['datetime', '2024-01-15T10:00:00Z', 'yesterday'],
    ];
    for (const [format, accepted, refused] of cases) {
      const schema = object({ v: { type: 'string', format } });
      expect(errorsOf(schema, { v: accepted }), `${format} ${accepted}`).to.deep.equal([]);
      const defaulted = (value: string) => () =>
        shorthandToJSONSchema({ v: `string | format=${format} default=${JSON.stringify(value)}` });
      expect(defaulted(accepted), `${format} default ${accepted}`).not.to.throw();
      if (refused === '') continue;
      expect(errorsOf(schema, { v: refused }), `${format} ${refused}`).to.have.length(1);
      expect(defaulted(refused), `${format} default ${refused}`).to.throw(SchemaError, /must be of type/);
    }
  });

  it('accepts a 2020-12 $schema and an $id without registering them', () => {
    const schema: JSONSchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/x',
      ...object({ a: { type: 'string' } }),
    };
    compileValidator(schema);
    expect(errorsOf(schema, { a: 1 })).to.have.length(1);
  });
});

describe('core/validation: unknown parameters', () => {
  const schema = object({
    known: { type: 'string' },
    nested: object({ x: { type: 'string' } }),
    map: { type: 'object', additionalProperties: object({ v: { type: 'string' } }) },
    list: { type: 'array', items: object({ n: { type: 'string' } }) },
    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  });
  const values = {
    known: 'k',
    extra: 1,
    nested: { x: 'x', y: 2 },
    map: { a: { v: 'v', w: 3 } },
    list: [{ n: 'n', m: 4 }],
    free: { anything: { goes: true } },
  };

  it('are errors under policy deny (the default)', () => {
    expect(compileValidator(schema).validate(values).errors).to.deep.equal([
      { field: `${P}.extra`, message: 'Unknown field' },
      { field: `${P}.list[0].m`, message: 'Unknown field' },
      { field: `${P}.map[a].w`, message: 'Unknown field' },
      { field: `${P}.nested.y`, message: 'Unknown field' },
    ]);
  });

  it('are short warnings under policy warn, and ignored under allow', () => {
    const warned = compileValidator(schema).validate(values, 'warn');
    expect(warned.errors).to.deep.equal([]);
    expect(warned.warnings).to.deep.equal([
      `unknown parameter "${P}.extra"`,
      `unknown parameter "${P}.list[0].m"`,
      `unknown parameter "${P}.map[a].w"`,
      `unknown parameter "${P}.nested.y"`,
    ]);
    expect(compileValidator(schema).validate(values, 'allow')).to.deep.equal({ errors: [], warnings: [] });
  });

  it('suggest the declared name an unknown one is probably a typo of', () => {
    const typos = object({
      revision: { type: 'string' },
      branch: { type: 'string' },
      url: { type: 'string' },
    });
    const given = { revison: 'a', brnach: 'b', Url: 'c', colour: 'd' };
    expect(compileValidator(typos).validate(given).errors).to.deep.equal([
      { field: `${P}.Url`, message: 'Unknown field (did you mean "url"?)' },
      { field: `${P}.brnach`, message: 'Unknown field (did you mean "branch"?)' },
      { field: `${P}.colour`, message: 'Unknown field' },
      { field: `${P}.revison`, message: 'Unknown field (did you mean "revision"?)' },
    ]);
    expect(compileValidator(typos).validate({ brnach: 'b' }, 'warn').warnings).to.deep.equal([
      `unknown parameter "${P}.brnach" (did you mean "branch"?)`,
    ]);
  });

  it('keeps warnings at most 120 characters, however long the key', () => {
    const { warnings } = compileValidator(schema).validate({ ['k'.repeat(5000)]: 1 }, 'warn');
    expect(warnings).to.have.length(1);
    expect(warnings[0]!.length).to.be.at.most(120);
    expect(warnings[0]).to.match(/^unknown parameter "spec\.workflow\.parameters\.kkk.*\.\.\."$/);
  });

  it('are always errors, at the object as Kubernetes reports them, where the schema says additionalProperties: false', () => {
    const strict = object({ a: { type: 'string' } }, { additionalProperties: false });
    expect(compileValidator(strict).validate({ a: 'x', b: 1 }, 'allow').errors).to.deep.equal([
      { field: P, message: 'Forbidden: field "b" is not allowed' },
    ]);
  });

  it('means every parameter when the Workflow declares none', () => {
    expect(compileValidator({ type: 'object', properties: {} }).validate({ a: 1 }).errors).to.deep.equal([
      { field: `${P}.a`, message: 'Unknown field' },
    ]);
  });
});

describe('core/validation: hostile input', () => {
  it('refuses parameters nested deeper than the limit, without walking them', () => {
    let deep: JSONValue = 'leaf';
    for (let level = 0; level < 100_000; level++) deep = { d: deep };
    const validator = compileValidator({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    expect(validator.validate(deep as JSONObject).errors).to.deep.equal([
      { field: P, message: `Forbidden: must not be nested more than ${MAX_PARAMETER_DEPTH} levels deep` },
    ]);
    let ok: JSONValue = 'leaf';
    for (let level = 0; level < MAX_PARAMETER_DEPTH - 1; level++) ok = { d: ok };
    expect(validator.validate(ok as JSONObject).errors).to.deep.equal([]);
  });

  it('keeps messages short for huge strings, huge enums and huge values', () => {
    const hugeEnum = Array.from({ length: 100_000 }, (_, index) => `v${index}`);
    const schema = object({
      e: { type: 'string', enum: hugeEnum },
      s: { type: 'integer' },
      o: { type: 'string' },
    });
    const errors = errorsOf(schema, {
      e: 'x'.repeat(1_000_000),
      s: 'y'.repeat(1_000_000),
      o: { a: 'z'.repeat(100_000) },
    });
    for (const error of errors) expect(error.message.length, error.message.slice(0, 80)).to.be.below(400);
    expect(errors[0]!.message).to.match(
      /^Unsupported value: "x{80}"\.\.\.: supported values: "v0", .*"v19", \.\.\. \(99980 more\)$/,
    );
    expect(errors[1]!.message).to.match(/^Invalid value: \{"a":"z+\.\.\.: must be of type string$/);
  });

  it(`lists at most ${MAX_REPORTED_ERRORS} errors and says how many more there are`, () => {
    const schema = object({ l: { type: 'array', items: { type: 'string' } } });
    const errors = errorsOf(schema, { l: Array.from({ length: 250 }, (_, index) => index) });
    expect(errors).to.have.length(MAX_REPORTED_ERRORS + 1);
    expect(errors[MAX_REPORTED_ERRORS]).to.deep.equal({
      field: P,
      message: 'Too many: 150 more errors not shown',
    });
  });

  it('matches catastrophic-backtracking patterns in linear time instead of hanging', () => {
    // Without V8's linear-time fallback this takes longer than the universe is old; mocha's timeout is the check.
    const schema = object({
      s: { type: 'string', pattern: '^(a+)+$' },
      t: { type: 'string', pattern: '^(\\w+\\s?)*$' },
    });
    const errors = errorsOf(schema, { s: `${'a'.repeat(64)}!`, t: `${'word '.repeat(40)}!` });
    expect(errors.map((error) => error.field)).to.deep.equal([`${P}.s`, `${P}.t`]);
  });

  it('keeps __proto__ and constructor keys in parameters as plain data', () => {
    const schema = object({
      map: { type: 'object', additionalProperties: { type: 'string' } },
      a: { type: 'string' },
    });
    const values = JSON.parse(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"map":{"__proto__":1}}',
    );
    expect(compileValidator(schema).validate(values).errors).to.deep.equal([
      { field: `${P}.__proto__`, message: 'Unknown field' },
      { field: `${P}.constructor`, message: 'Unknown field' },
      { field: `${P}.map[__proto__]`, message: 'Invalid value: 1: must be of type string' },
    ]);
    expect(({} as JSONObject).polluted).to.equal(undefined);
  });

  it('does not mistake inherited names for given values', () => {
    const schema = object(
      { toString: { type: 'string' }, constructor: { type: 'string' } },
      { required: ['toString', 'constructor'] },
    );
    expect(errorsOf(schema, {})).to.deep.equal([
      { field: `${P}.constructor`, message: 'Required value' },
      { field: `${P}.toString`, message: 'Required value' },
    ]);
  });
});

describe('core/validation: schemas that cannot be used', () => {
  it('refuses a null schema with "schema is nil"', () => {
    expect(schemaError(null).message).to.equal('schema is nil');
  });

  it('names the schema location of an invalid keyword or pattern', () => {
    const badType = schemaError(object({ port: { type: 'integr' } }));
    expect(badType.field).to.match(/^\/properties\/port\/type/);
    expect(badType.message).to.contain('"integr"');
    const badPattern = schemaError(object({ name: { type: 'string', pattern: '([a-z' } }));
    expect(badPattern.field).to.equal('/properties/name/pattern');
    expect(badPattern.message).to.match(/^invalid pattern "\(\[a-z": /);
  });

  it('reads patterns as RE2 does: lookarounds and backreferences refused, Go-only syntax accepted', () => {
    for (const pattern of ['(?=a)b', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>']) {
      expect(schemaError(object({ s: { type: 'string', pattern } })).message).to.match(
        /^invalid pattern .*: error parsing regexp: /,
      );
    }
    const goSyntax = compileValidator(object({ s: { type: 'string', pattern: '(?i)^abc\\z' } }));
    expect(goSyntax.validate({ s: 'ABC' }).errors).to.deep.equal([]);
    expect(goSyntax.validate({ s: 'ABCD' }).errors).to.have.length(1);
  });

  it('refuses a property named __proto__, which ajv would silently skip', () => {
    const error = schemaError(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}'));
    expect(error.field).to.equal('/properties/__proto__');
    expect(Object.prototype).to.not.have.own.property('type');
  });

  it('refuses schemas nested deeper than the limit', () => {
    let schema: JSONSchema = { type: 'string' };
    for (let level = 0; level <= MAX_VALIDATED_SCHEMA_DEPTH + 1; level++) schema = object({ a: schema });
    expect(schemaError(schema).message).to.contain(
      `nested more than ${MAX_VALIDATED_SCHEMA_DEPTH} levels deep`,
    );
  });

  it('keeps working after compiling many schemas (ajv is not left holding them)', () => {
    const validators = Array.from({ length: 200 }, (_, index) =>
      compileValidator(object({ [`p${index}`]: { type: 'string' } })),
    );
    expect(validators[7]!.validate({ p7: 1 }).errors).to.have.length(1);
    expect(validators[7]!.validate({ p7: 'x' }).errors).to.have.length(0);
  });

  it('shares compiled checks between schemas that differ only in descriptions, titles, defaults and examples', () => {
    const checks = new CompiledChecks(10);
    const port = (extra: JSONObject): JSONSchema =>
      object({ port: { type: 'integer', maximum: 65535, ...extra } as JSONSchema });
    const validators = [
      compileValidator(port({}), undefined, checks),
      compileValidator(port({ default: 8080, description: 'the port' }), undefined, checks),
      compileValidator(port({ default: 9090, title: 'Port', example: 80 }), undefined, checks),
    ];
    expect(checks.size).to.equal(1);
    for (const validator of validators) {
      expect(validator.validate({ port: 70000 }).errors).to.deep.equal([
        { field: `${P}.port`, message: 'Invalid value: 70000: must be less than or equal to 65535' },
      ]);
    }
    // What validation reads is part of the key: a new bound is a new check.
    compileValidator(port({ maximum: 1024 }), undefined, checks);
    expect(checks.size).to.equal(2);
    // A description that is not a string is kept for ajv's meta-schema to refuse, shared or not.
    expect(() => compileValidator(port({ description: 5 }), undefined, checks)).to.throw(SchemaError);
  });
});
