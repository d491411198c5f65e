// Unit tests for the shorthand converter beyond OpenChoreo's own test file: behaviour pinned against OpenChoreo's Go
// code (outputs recorded from it), hostile input, the real v0.17 sample Workflows and the fixture helpers.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';
import { parse as parseYAML } from 'yaml';

import { SchemaError, type JSONObject, type JSONSchema, type JSONValue } from '../../core/index.ts';
import {
  MAX_SCHEMA_DEPTH,
  MAX_SCHEMA_NODES,
  shorthandToJSONSchema,
  splitRespectingQuotes,
  type ShorthandOptions,
} from '../../core/engine.ts';
import { expectPointers, expectSubset, pointerExists } from '../conformance/fixtures.ts';

interface GoldenCase {
  name: string;
  parameters: JSONObject;
  types?: JSONObject;
  options?: ShorthandOptions;
  schema?: JSONSchema;
  error?: string;
}

// Inputs the conformance fixtures do not cover, each with exactly what OpenChoreo's ExtractSchema (followed by the
// v1 conversion and Go's JSON encoder) returned for it.
const GOLDEN: GoldenCase[] = [
  {
    name: 'JSON errors name the first UTF-8 byte of a non-ASCII character, as Go does',
    parameters: { m: 'map<string> | default={\u00e9:1}' },
    error:
      'field "m": invalid default "{\u00e9:1}": invalid character \'\u00c3\' looking for beginning of object key string',
  },
  {
    name: 'byte escapes form UTF-8, invalid bytes become U+FFFD',
    parameters: { s: 'string | default="\\xc3\\xa9\\xff"' },
    schema: { type: 'object', properties: { s: { type: 'string', default: '\u00e9\ufffd' } } },
  },
  {
    name: 'single-quoted default doubles its quote',
    parameters: { tz: "string | default='it''s here'" },
    schema: { type: 'object', properties: { tz: { type: 'string', default: "it's here" } } },
  },
  {
    name: 'double-quoted Go escapes in title and default',
    parameters: { s: 'string | title="A\\tB" default="\\u00e9\\x41"' },
    schema: { type: 'object', properties: { s: { type: 'string', title: 'A\tB', default: '\u00e9A' } } },
  },
  {
    name: 'an invalid Go escape keeps the quotes',
    parameters: { s: 'string | description="bad \\q"' },
    schema: {
      type: 'object',
      required: ['s'],
      properties: { s: { description: '"bad \\q"', type: 'string' } },
    },
  },
  {
    name: 'pipes inside the value after the first pipe',
    parameters: { s: 'string|default=a|b' },
    schema: { type: 'object', properties: { s: { type: 'string', default: 'a|b' } } },
  },
  {
    name: 'float bounds print as Go %v (1e+06)',
    parameters: { n: 'number | maximum=1000000 default=2000000' },
    error:
      'field "n": invalid default value: default value does not satisfy schema constraints: [ in body should be less than or equal to 1e+06]',
  },
  {
    name: 'int64 defaults print bounds as integers',
    parameters: { n: 'integer | maximum=1000000 default=2000000' },
    error:
      'field "n": invalid default value: default value does not satisfy schema constraints: [ in body should be less than or equal to 1000000]',
  },
  {
    name: 'integer defaults compare with truncated bounds',
    parameters: { n: 'integer | minimum=1.5 default=1' },
    schema: { type: 'object', properties: { n: { type: 'integer', default: 1, minimum: 1.5 } } },
  },
  {
    name: 'integer multipleOf below one truncates to zero',
    parameters: { n: 'integer | multipleOf=0.5 default=3' },
    error:
      'field "n": invalid default value: default value does not satisfy schema constraints: [factor MultipleOf declared for  must be positive: 0]',
  },
  {
    name: "number multipleOf uses kube-openapi's tolerance",
    parameters: { n: 'number | multipleOf=0.1 default=0.3' },
    schema: { type: 'object', properties: { n: { type: 'number', default: 0.3, multipleOf: 0.1 } } },
  },
  {
    name: 'exclusive bounds',
    parameters: { n: 'number | minimum=0 exclusiveMinimum=true default=0' },
    error:
      'field "n": invalid default value: default value does not satisfy schema constraints: [ in body should be greater than 0]',
  },
  {
    name: 'integer enum',
    parameters: { n: 'integer | enum=1,2 default=3' },
    error:
      'field "n": invalid default value: default value does not satisfy schema constraints: [ in body should be one of [1 2]]',
  },
  {
    name: 'array item type',
    parameters: { a: '[]integer | default=[1,"x"]' },
    error:
      'field "a": invalid default value: default value does not satisfy schema constraints: [[1] in body must be of type integer: "string"]',
  },
  {
    name: 'map value type',
    parameters: { m: 'map<integer> | default={"a":"x"}' },
    error:
      'field "m": invalid default value: default value does not satisfy schema constraints: [.a in body must be of type integer: "string"]',
  },
  {
    name: 'map property counts',
    parameters: { m: 'map<string> | minProperties=2 default={"a":"x"}' },
    error:
      'field "m": invalid default value: default value does not satisfy schema constraints: [ in body should have at least 2 properties]',
  },
  {
    name: 'JSON: missing colon',
    parameters: { m: 'map<string> | default={"a" 1}' },
    error: 'field "m": invalid default "{\\"a\\" 1}": invalid character \'1\' after object key',
  },
  {
    name: 'JSON: truncated array',
    parameters: { a: '[]string | default=[1,' },
    error: 'field "a": invalid default "[1,": unexpected end of JSON input',
  },
  {
    name: 'JSON: truncated literal',
    parameters: { m: 'map<string> | default=tru' },
    error: 'field "m": invalid default "tru": invalid character \' \' in literal true (expecting \'e\')',
  },
  {
    name: 'JSON: trailing data',
    parameters: { a: '[]integer | default=[1] x' },
    error: 'field "a": constraint marker "x" is missing a value (should be in format \'key=value\')',
  },
  {
    name: 'JSON: number out of float64 range',
    parameters: { a: '[]number | default=[1e400]' },
    error:
      'field "a": invalid default "[1e400]": json: cannot unmarshal number 1e400 into Go value of type float64',
  },
  {
    name: 'quoted pattern with pipes',
    parameters: { s: 'string | pattern="a|b" default=c' },
    error:
      'field "s": invalid default value: default value does not satisfy schema constraints: [ in body should match \'a|b\']',
  },
  {
    name: 'forbidden property in $default with additionalProperties false',
    parameters: { o: { $default: { a: 'x', extra: 1 }, a: 'string' } },
    options: { setAdditionalPropertiesFalse: true, skipDefaultValidation: false },
    error:
      'field "o": invalid $default: default value does not satisfy schema: default value does not satisfy schema constraints: [.extra in body is a forbidden property]',
  },
  {
    name: 'date-time format',
    parameters: { s: 'string | format=date-time default=yesterday' },
    error:
      'field "s": invalid default value: default value does not satisfy schema constraints: [ in body must be of type date-time: "yesterday"]',
  },
  {
    name: 'unsupported formats are not checked',
    parameters: { s: 'string | format=int32 default=x' },
    schema: { type: 'object', properties: { s: { type: 'string', format: 'int32', default: 'x' } } },
  },
  {
    name: 'Go float syntax: underscores and hex',
    parameters: { a: 'number | minimum=1_000 maximum=0x1p12 default=1000.5' },
    schema: {
      type: 'object',
      properties: { a: { type: 'number', default: 1000.5, maximum: 4096, minimum: 1000 } },
    },
  },
  {
    name: 'ParseBool spellings',
    parameters: { b: 'boolean | default=T', c: 'boolean | default=FALSE' },
    schema: {
      type: 'object',
      properties: { b: { type: 'boolean', default: true }, c: { type: 'boolean', default: false } },
    },
  },
  {
    name: 'example values',
    parameters: {
      a: 'string | example=42',
      b: 'string | example={"a":[1]}',
      c: "string | example='x'",
      d: 'integer | example=1.5',
      e: 'boolean | example=t',
    },
    schema: {
      type: 'object',
      required: ['a', 'b', 'c', 'd', 'e'],
      properties: {
        a: { type: 'string', example: 42 },
        b: { type: 'string', example: { a: [1] } },
        c: { type: 'string', example: "'x'" },
        d: { type: 'integer', example: 1.5 },
        e: { type: 'boolean', example: true },
      },
    },
  },
  {
    name: 'inline $types, external types win',
    parameters: { $types: { A: 'integer', B: 'string' }, a: 'A', b: 'B' },
    types: { B: 'boolean' },
    schema: {
      type: 'object',
      required: ['a', 'b'],
      properties: { a: { type: 'integer' }, b: { type: 'boolean' } },
    },
  },
  {
    name: 'custom scalar type keeps its constraints',
    parameters: { port: 'Port | default=80' },
    types: { Port: 'integer | minimum=1024' },
    error:
      'field "port": invalid default value: default value does not satisfy schema constraints: [ in body should be greater than or equal to 1024]',
  },
  {
    name: 'type-level $default revalidated against reference markers',
    parameters: { r: 'Res | minProperties=3' },
    types: { Res: { $default: {}, cpu: 'string | default=1' } },
    error:
      'field "r": invalid default value: default value does not satisfy schema constraints: [ in body should have at least 3 properties]',
  },
  {
    name: 'field definition of a number',
    parameters: { f: 5 },
    error: 'field "f": unsupported field definition of type float64',
  },
  {
    name: 'field definition of null',
    parameters: { f: null },
    error: 'field "f": unsupported field definition of type <nil>',
  },
  {
    name: 'field definition of a list',
    parameters: { f: [1] },
    error: 'field "f": unsupported field definition of type []interface {}',
  },
  {
    name: 'type definition of a boolean',
    parameters: { f: 'T' },
    types: { T: true },
    error: 'field "f": unsupported custom type definition for "T" (type bool)',
  },
  {
    name: 'spaces inside type expressions',
    parameters: { a: 'map[string] []integer', b: 'array< string >', c: 'map< boolean >' },
    schema: {
      type: 'object',
      required: ['a', 'b', 'c'],
      properties: {
        a: { type: 'object', additionalProperties: { type: 'array', items: { type: 'integer' } } },
        b: { type: 'array', items: { type: 'string' } },
        c: { type: 'object', additionalProperties: { type: 'boolean' } },
      },
    },
  },
  {
    name: 'map key type with spaces',
    parameters: { m: 'map[ int ]string' },
    error: 'field "m": map key type must be \'string\', got "int" in "map[ int ]string"',
  },
  {
    name: 'marker value after a pipe separator',
    parameters: { s: 'string | enum=a,b | default=c' },
    error:
      'field "s": invalid default value: default value does not satisfy schema constraints: [ in body should be one of [a b]]',
  },
  {
    name: 'negative zero',
    parameters: { i: 'integer | default=-0' },
    schema: { type: 'object', properties: { i: { type: 'integer', default: 0 } } },
  },
  {
    name: 'null object default',
    parameters: { m: 'map<string> | default=null' },
    error:
      'field "m": invalid default value: default value does not satisfy schema constraints: [ in body must be of type object: "null"]',
  },
  {
    name: 'null object default, unchecked',
    parameters: { m: 'map<string> | default=null' },
    options: { setAdditionalPropertiesFalse: false, skipDefaultValidation: true },
    schema: {
      type: 'object',
      properties: { m: { type: 'object', additionalProperties: { type: 'string' } } },
    },
  },
  {
    name: 'enum of objects',
    parameters: { m: 'map<integer> | enum={"a":1},{"b":2} default={"b":2}' },
    schema: {
      type: 'object',
      properties: {
        m: {
          type: 'object',
          default: { b: 2 },
          enum: [{ a: 1 }, { b: 2 }],
          additionalProperties: { type: 'integer' },
        },
      },
    },
  },
  {
    name: '$default as a JSON string that is a list',
    parameters: { o: { $default: '[1]', a: 'string' } },
    error: 'field "o": invalid $default: value must be an object, got []interface {}',
  },
  {
    name: '$default given as a number',
    parameters: { o: { $default: 5, a: 'string' } },
    error: 'field "o": invalid $default: value must be an object or JSON string, got float64',
  },
  {
    name: "default keys are sorted like Go's encoder",
    parameters: { m: 'map<integer> | default={"b":1,"a":2}' },
    schema: {
      type: 'object',
      properties: {
        m: { type: 'object', default: { a: 2, b: 1 }, additionalProperties: { type: 'integer' } },
      },
    },
  },
  {
    name: 'the root $default',
    parameters: { $default: { a: 'x' }, a: 'string' },
    schema: { type: 'object', default: { a: 'x' }, required: ['a'], properties: { a: { type: 'string' } } },
  },
  {
    name: 'oc: markers with and without values',
    parameters: { s: 'string | oc:hidden oc:ui:order=1 default=x' },
    schema: { type: 'object', properties: { s: { type: 'string', default: 'x' } } },
  },
  {
    name: 'unicode whitespace separates markers',
    parameters: { s: 'string |\u00a0minLength=1\u3000default=abc' },
    schema: { type: 'object', properties: { s: { type: 'string', default: 'abc', minLength: 1 } } },
  },
  {
    name: 'integer out of int64 range',
    parameters: { n: 'integer | default=9223372036854775808' },
    error:
      'field "n": invalid default "9223372036854775808": strconv.ParseInt: parsing "9223372036854775808": value out of range',
  },
  {
    name: 'empty enum value list',
    parameters: { s: 'string | enum= default=x' },
    schema: { type: 'object', properties: { s: { type: 'string', default: 'x' } } },
  },
];

// What OpenChoreo's Go code (internal/schema/extractor.ExtractSchema, marshalled as apiextensions/v1) returns for
// the parameters of the project's v0.17 sample Workflows.
const OPENCHOREO_SCHEMAS: Record<string, string> = {
  'docker-build.yaml':
    '{"type":"object","required":["docker","repository"],"properties":{"docker":{"type":"object","properties":{"context":{"description":"Build context, from the repository root","type":"string","default":"/service-go-greeter"},"filePath":{"description":"Dockerfile, from the repository root","type":"string","default":"/service-go-greeter/Dockerfile"}}},"repository":{"type":"object","required":["revision"],"properties":{"appPath":{"description":"The application\'s folder in the repository","type":"string","default":"/service-go-greeter"},"revision":{"type":"object","properties":{"branch":{"description":"Branch to build","type":"string","default":"main"},"commit":{"description":"Commit to build; empty means the branch\'s latest","type":"string","default":""}}},"url":{"description":"Repository to clone","type":"string","default":"https://github.com/openchoreo/sample-workloads"}}}}}',
  'integration-tests.yaml':
    '{"type":"object","required":["repository"],"properties":{"environment":{"description":"Where the tests run","type":"string","default":"staging","enum":["development","staging","production"]},"repository":{"type":"object","required":["url"],"properties":{"branch":{"description":"Branch to test","type":"string","default":"main"},"url":{"description":"Repository with the tests (https)","type":"string","pattern":"^https://"}}},"testCommand":{"description":"Command that runs the tests","type":"string","default":"npm test"}}}',
};

const SAMPLES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../local-cluster/openchoreo/samples/v0.17',
);

function schemaError(run: () => unknown): SchemaError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(SchemaError);
    return error as SchemaError;
  }
  return expect.fail('expected a SchemaError');
}

/** `{a: {a: ... leaf}}` with `levels` nested field maps, built without recursion. */
function nestedFields(levels: number, leaf: JSONValue): JSONObject {
  let fields: JSONValue = leaf;
  for (let i = 0; i < levels; i++) fields = { a: fields };
  return fields as JSONObject;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Every field without a default must be required, and nothing else (OpenChoreo's rule). */
function expectRequiredRule(schema: JSONSchema): void {
  const properties = (schema.properties ?? {}) as Record<string, JSONSchema>;
  const expected = Object.keys(properties).filter((name) => !Object.hasOwn(properties[name]!, 'default'));
  expect(schema.required ?? [], 'required').to.deep.equal(expected);
  for (const child of Object.values(properties)) expectRequiredRule(child);
}

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

afterEach(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).to.deep.equal(prototypeNames);
  expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
});

describe('shorthandToJSONSchema', () => {
  describe('matches OpenChoreo on inputs the conformance fixtures leave out', () => {
    for (const golden of GOLDEN) {
      it(golden.name, () => {
        const convert = () => shorthandToJSONSchema(golden.parameters, golden.types, golden.options);
        if (golden.error !== undefined) {
          expect(schemaError(convert).message).to.equal(golden.error);
        } else {
          expect(JSON.stringify(convert())).to.equal(JSON.stringify(golden.schema));
        }
      });
    }
  });

  describe('results', () => {
    it('gives an empty object schema for absent or empty parameters', () => {
      for (const parameters of [undefined, null, {}]) {
        expect(shorthandToJSONSchema(parameters)).to.deep.equal({ type: 'object' });
      }
    });

    it('leaves its input untouched and shares no objects with it', () => {
      const parameters = deepFreeze({
        database: { $default: { host: 'localhost' }, host: 'string', port: 'integer | default=5432' },
        resources: 'Resources',
      });
      const types = deepFreeze({ Resources: { $default: { cpu: '1' }, cpu: 'string' } });
      const schema = shorthandToJSONSchema(parameters, types);
      expectSubset(schema, {
        properties: { database: { default: { host: 'localhost' } }, resources: { default: { cpu: '1' } } },
      });
      expect(pointerExists(schema, '/properties/database/default')).to.equal(true);
      const database = (schema.properties as Record<string, JSONSchema>).database!;
      expect(database.default).to.not.equal(parameters.database.$default);
    });

    it('gives every use of a custom type its own copy', () => {
      const schema = shorthandToJSONSchema({ a: 'T', b: 'T' }, { T: { x: 'string' } });
      const properties = schema.properties as Record<string, JSONSchema>;
      expect(properties.a).to.deep.equal(properties.b);
      expect(properties.a).to.not.equal(properties.b);
    });

    it('orders properties and required like Go (byte order, not UTF-16 order)', () => {
      const schema = shorthandToJSONSchema({
        b: 'string',
        a: 'string',
        B: 'string',
        é: 'string',
        '😀': 'string',
        ｚ: 'string',
      });
      expect(schema.required).to.deep.equal(['B', 'a', 'b', 'é', 'ｚ', '😀']);
    });

    it('reports the path of the failing field in error.field', () => {
      const error = schemaError(() => shorthandToJSONSchema({ a: { b: 'integer | default=x' } }));
      expect(error.field).to.equal('a.b');
      expect(error.message).to.equal(
        'field "a": field "b": invalid default "x": strconv.ParseInt: parsing "x": invalid syntax',
      );
    });

    it('names the whole cycle of a cyclic type reference', () => {
      const error = schemaError(() =>
        shorthandToJSONSchema({ root: 'Node' }, { Node: { next: 'Link' }, Link: '[]Node' }),
      );
      expect(error.message).to.equal(
        'field "root": field "next": detected cyclic type reference involving "Node" (cycle: Node -> Link -> Node)',
      );
    });

    it('refuses integers a JavaScript number cannot hold exactly', () => {
      expect(
        schemaError(() => shorthandToJSONSchema({ n: 'integer | default=9007199254740993' })).message,
      ).to.match(/^field "n": invalid default "9007199254740993": .*cannot be represented exactly/);
    });

    it('refuses infinite and NaN numbers, which JSON cannot carry', () => {
      for (const expression of [
        'number | minimum=inf',
        'number | default=NaN',
        'string | example=-Infinity',
      ]) {
        expect(schemaError(() => shorthandToJSONSchema({ n: expression })).message).to.match(
          /value must be a finite number$/,
        );
      }
    });
  });

  describe('hostile input', () => {
    it('keeps __proto__, constructor and prototype as plain field names', () => {
      const parameters = JSON.parse(
        '{"__proto__": "string", "constructor": "integer | default=1", "prototype": {"polluted": "boolean | default=true"}}',
      ) as JSONObject;
      const schema = shorthandToJSONSchema(parameters);
      const properties = schema.properties as Record<string, JSONSchema>;
      expect(Object.getPrototypeOf(properties)).to.equal(Object.prototype);
      expect(Object.keys(properties)).to.deep.equal(['__proto__', 'constructor', 'prototype']);
      expect(Object.hasOwn(properties, '__proto__')).to.equal(true);
      expect(properties['__proto__']).to.deep.equal({ type: 'string' });
      expect(schema.required).to.deep.equal(['__proto__', 'prototype']);
      expectPointers(schema, [
        '/properties/__proto__/type',
        '/properties/prototype/properties/polluted/default',
      ]);
      expect(JSON.parse(JSON.stringify(schema))).to.deep.equal(schema);
    });

    it('keeps __proto__ keys inside defaults as data', () => {
      const parameters = JSON.parse(
        '{"o": {"$default": {"__proto__": {"polluted": 1}}, "__proto__": "map<integer>"}, "m": "map<integer> | default={\\"__proto__\\":{\\"polluted\\":2}}"}',
      ) as JSONObject;
      const schema = shorthandToJSONSchema(parameters, undefined, { skipDefaultValidation: true });
      expectPointers(schema, [
        '/properties/o/default/__proto__/polluted',
        '/properties/m/default/__proto__/polluted',
      ]);
    });

    it('resolves only types that are really defined, never inherited names', () => {
      for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
        expect(schemaError(() => shorthandToJSONSchema({ f: name })).message).to.equal(
          `field "f": unknown type "${name}"`,
        );
      }
      const types = JSON.parse('{"__proto__": {"a": "string"}}') as JSONObject;
      expectSubset(shorthandToJSONSchema({ f: '__proto__' }, types), {
        properties: { f: { required: ['a'] } },
      });
    });

    it(`accepts nesting up to ${MAX_SCHEMA_DEPTH} levels and refuses deeper`, () => {
      expect(() => shorthandToJSONSchema(nestedFields(MAX_SCHEMA_DEPTH, 'string'))).to.not.throw();
      expect(() => shorthandToJSONSchema({ a: `${'[]'.repeat(MAX_SCHEMA_DEPTH - 1)}string` })).to.not.throw();
      const error = schemaError(() => shorthandToJSONSchema(nestedFields(MAX_SCHEMA_DEPTH + 1, 'string')));
      expect(error.message).to.match(/schema nests deeper than 64 levels$/);
      expect(error.field).to.equal(
        Array(MAX_SCHEMA_DEPTH + 1)
          .fill('a')
          .join('.'),
      );
      expect(
        schemaError(() => shorthandToJSONSchema({ a: `${'[]'.repeat(MAX_SCHEMA_DEPTH)}string` })).message,
      ).to.match(/deeper than 64 levels$/);
    });

    it('refuses absurd nesting without exhausting the stack', () => {
      const inputs: [JSONObject, JSONObject?][] = [
        [nestedFields(20_000, 'string')],
        [{ a: `${'[]'.repeat(100_000)}string` }],
        [{ a: `${'map<'.repeat(20_000)}string${'>'.repeat(20_000)}` }],
        [{ a: `${'array<'.repeat(20_000)}string${'>'.repeat(20_000)}` }],
      ];
      for (const [parameters, types] of inputs) {
        expect(schemaError(() => shorthandToJSONSchema(parameters, types)).message).to.match(
          /deeper than 64 levels$/,
        );
      }
    });

    it('refuses a type used deeper than its own nesting allows', () => {
      const types = { Deep: nestedFields(MAX_SCHEMA_DEPTH - 2, 'string') };
      expect(() => shorthandToJSONSchema({ shallow: 'Deep' }, types)).to.not.throw();
      expect(
        schemaError(() => shorthandToJSONSchema({ shallow: 'Deep', x: { y: { z: 'Deep' } } }, types)).message,
      ).to.match(/^field "x": field "y": field "z": schema nests deeper than 64 levels$/);
    });

    it('refuses long chains of type aliases', () => {
      const types: JSONObject = {};
      for (let i = 0; i < 10_000; i++) types[`T${i}`] = `T${i + 1}`;
      types['T10000'] = 'string';
      expect(schemaError(() => shorthandToJSONSchema({ f: 'T0' }, types)).message).to.equal(
        'field "f": custom types refer through more than 256 other types',
      );
    });

    it('refuses types that expand exponentially', () => {
      const types: JSONObject = { T40: 'string' };
      for (let i = 0; i < 40; i++) types[`T${i}`] = { left: `T${i + 1}`, right: `T${i + 1}` };
      expect(schemaError(() => shorthandToJSONSchema({ f: 'T0' }, types)).message).to.match(
        new RegExp(`schema is too large: more than ${MAX_SCHEMA_NODES} schema nodes`),
      );
    });

    it('handles a huge enum', () => {
      const values = Array.from({ length: 100_000 }, (_, i) => `v${i}`);
      const schema = shorthandToJSONSchema({ e: `string | enum=${values.join(',')} default=v99999` });
      expect((schema.properties as Record<string, JSONSchema>).e!.enum).to.have.length(100_000);
      expect(() => shorthandToJSONSchema({ e: `string | enum=${values.join(',')} default=nope` })).to.throw(
        SchemaError,
        /should be one of \[v0 v1 /,
      );
    });

    it('refuses deeply nested JSON defaults', () => {
      const deepJSON = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
      expect(
        schemaError(() => shorthandToJSONSchema({ m: `map<string> | default=${deepJSON}` })).message,
      ).to.match(/^field "m": invalid default ".*": exceeded max depth of 1000$/);
      const deepMap = nestedFields(5000, 1);
      expect(
        schemaError(() => shorthandToJSONSchema({ o: { $default: deepMap, a: 'string' } })).message,
      ).to.equal('field "o": invalid $default: value nests deeper than 1000 levels');
    });

    it('refuses parameters and types that are not maps', () => {
      for (const parameters of ['string', ['a'], 5, true]) {
        expect(() => shorthandToJSONSchema(parameters as unknown as JSONObject)).to.throw(
          SchemaError,
          /^parameters must be a map of field definitions, got /,
        );
      }
      expect(() => shorthandToJSONSchema({}, ['T'] as unknown as JSONObject)).to.throw(
        SchemaError,
        'types must be a map of type definitions, got []interface {}',
      );
    });
  });

  describe('the v0.17 sample Workflows', () => {
    const files = readdirSync(SAMPLES_DIR).filter((name) =>
      /^kind: Workflow$/m.test(readFileSync(path.join(SAMPLES_DIR, name), 'utf8')),
    );

    it('are present', () => {
      expect(files).to.have.members(Object.keys(OPENCHOREO_SCHEMAS));
    });

    for (const file of files) {
      it(`${file} converts, with every field lacking a default required`, () => {
        const workflow = parseYAML(readFileSync(path.join(SAMPLES_DIR, file), 'utf8')) as {
          spec: { schema: { parameters?: JSONObject; types?: JSONObject } };
        };
        const schema = shorthandToJSONSchema(workflow.spec.schema.parameters, workflow.spec.schema.types);
        expect(schema.type).to.equal('object');
        expectRequiredRule(schema);
        expect(JSON.stringify(schema)).to.equal(OPENCHOREO_SCHEMAS[file]);
      });
    }
  });
});

describe('splitRespectingQuotes', () => {
  it('uses the first character of the separator and refuses an empty one', () => {
    expect(splitRespectingQuotes('a;b,c', ';,')).to.deep.equal(['a', 'b,c']);
    expect(() => splitRespectingQuotes('a', '')).to.throw(TypeError);
  });

  it('treats single quotes and backslashes outside double quotes as ordinary characters', () => {
    expect(splitRespectingQuotes("'a,b',c\\,d", ',')).to.deep.equal(["'a", "b'", 'c\\', 'd']);
  });
});

describe('conformance fixture helpers', () => {
  it('expectSubset allows extra keys, needs equal array lengths and treats {} elements as placeholders', () => {
    expectSubset({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [{}, { c: 2 }] });
    expect(() => expectSubset({ a: [1] }, { a: [1, 2] })).to.throw(/at "\/a": expected 2 elements/);
    expect(() => expectSubset({ a: { b: 1 } }, { a: { c: 1 } })).to.throw(/at "\/a\/c": key is missing/);
    expect(() => expectSubset({ a: '1' }, { a: 1 })).to.throw(/at "\/a": expected 1, got "1"/);
  });

  it('pointerExists follows RFC 6901 and counts a present null as existing', () => {
    const document = { 'a/b': { '~': null }, list: [0] };
    expect(pointerExists(document, '')).to.equal(true);
    expect(pointerExists(document, '/a~1b/~0')).to.equal(true);
    expect(pointerExists(document, '/list/0')).to.equal(true);
    expect(pointerExists(document, '/list/1')).to.equal(false);
    expect(pointerExists(document, '/list/01')).to.equal(false);
    expect(pointerExists(document, '/toString')).to.equal(false);
  });
});
