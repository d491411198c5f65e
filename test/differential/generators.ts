// fast-check generators for the differential test: random structural parameter schemas over every keyword
// OpenChoreo reads, and values for them that are mostly close to valid (enum members, format samples both sides of
// the line, bounds and one past them) with the occasional value of the wrong kind, null or missing field.
// Property names and map keys are plain identifiers, so a field path reads the same in Go's and our notation.
import fc from 'fast-check';

import type { JSONObject, JSONValue } from '../../core/index.ts';

const PROPERTY_NAMES = ['a', 'b', 'c', 'name', 'port', 'tags'];
const MAP_KEYS = ['k', 'x', 'y'];
const DEFINITION_NAMES = ['Alpha', 'Beta'];

/** Strings each format's checker should weigh: valid ones, near misses, and what one side may accept alone. */
export const FORMAT_SAMPLES: Record<string, string[]> = {
  duration: [
    '1h30m',
    '5s',
    '22 ns',
    '1.5h',
    '-3m',
    '3 days',
    '2d',
    'abc',
    '',
    '1h 30m',
    '300ms',
    '+5m',
    '1us',
    '1µs',
  ],
  uri: [
    'https://example.com/x',
    '/relative',
    'relative',
    'mailto:a@b.co',
    '',
    'http://[::1',
    'a b',
    '//host/p',
    '#frag',
  ],
  email: ['a@b.co', 'Alice <a@b.co>', 'a', 'a@', '<a@b.co>', '"q"@x.org', 'a@b', 'a.b@c.d.e', 'a@@b'],
  hostname: [
    'example.com',
    'v1.2',
    '-bad',
    'a_b',
    'x'.repeat(64),
    'localhost',
    '1.2.3.4',
    'ex ample',
    'A.b',
    'a.',
    '',
  ],
  ipv4: ['1.2.3.4', '256.1.1.1', '::1', '01.2.3.4', '1.2.3', '0.0.0.0'],
  ipv6: ['::1', '1.2.3.4', 'fe80::1', '::ffff:1.2.3.4', 'fe80::1%eth0', 'gggg::1', '1:2:3:4:5:6:7:8'],
  cidr: ['10.0.0.0/8', '10.0.0.1/33', '::/0', '10.0.0.0', '10.0.0.1/24', 'fe80::/10', '1.2.3.4/-1'],
  mac: [
    '00:11:22:33:44:55',
    '00-11-22-33-44-55',
    '0011.2233.4455',
    '00:11:22:33:44',
    'zz:11:22:33:44:55',
    '00:11:22:33:44:55:66:77',
  ],
  uuid: [
    '123e4567-e89b-12d3-a456-426614174000',
    '123E4567E89B12D3A456426614174000',
    '123e4567-e89b-12d3-a456',
    'x',
  ],
  uuid3: ['123e4567-e89b-32d3-a456-426614174000', '123e4567-e89b-12d3-a456-426614174000'],
  uuid4: ['123e4567-e89b-42d3-a456-426614174000', '123e4567-e89b-42d3-c456-426614174000'],
  uuid5: ['123e4567-e89b-52d3-a456-426614174000', '123e4567-e89b-52d3-7456-426614174000'],
  bsonobjectid: ['507f1f77bcf86cd799439011', '507f1f77bcf86cd79943901', 'zzzf1f77bcf86cd799439011'],
  isbn: ['0321751043', '978-0321751041', '0321751044', '1234'],
  isbn10: ['0321751043', '978-0321751041', '032175104X'],
  isbn13: ['978-0321751041', '9780321751041', '0321751043'],
  creditcard: ['4111111111111111', '4111 1111 1111 1111', '1234567890123456'],
  ssn: ['123-45-6789', '123456789', '123-456-789'],
  hexcolor: ['#FFFFFF', 'fff', '#ggg', '#abcd'],
  rgbcolor: ['rgb(255,255,255)', 'rgb(255, 0, 0)', 'rgb(256,0,0)', 'rgb(1,2)'],
  byte: ['aGVsbG8=', 'aGVsbG8', 'not base64!', ''],
  password: ['anything', ''],
  date: ['2024-01-31', '2024-02-30', '2024-1-1', '20240101'],
  datetime: ['2014-12-15T19:30:20.000Z', '2014-12-15T19:30:20Z', '2014-12-15 19:30:20', '2014-12-15'],
  'date-time': ['2014-12-15T19:30:20.000Z', '2014-12-15T19:30:20+01:00', 'yesterday'],
  'k8s-short-name': ['my-app', 'My-App', '-a', 'a'.repeat(64), 'a.b'],
  'k8s-long-name': ['my.app', 'my..app', 'My.app', 'a-.b'],
  int32: ['5'],
  'made-up': ['anything'],
};

const PATTERNS: { pattern: string; samples: string[] }[] = [
  { pattern: '^[a-z]+$', samples: ['abc', 'aBc', ''] },
  { pattern: '^v[0-9]+', samples: ['v1', 'v12x', 'x1'] },
  { pattern: '(?i)^ab', samples: ['AB', 'abc', 'ba'] },
  { pattern: '^\\d{2,3}$', samples: ['12', '1234', '1'] },
];

export interface Definitions {
  readonly [name: string]: JSONObject;
}

interface Budget {
  depth: number;
  definitions: readonly string[];
}

/** Present in one draw of `oneIn`, absent (shrinking to absent) otherwise. */
const optional = <T>(arbitrary: fc.Arbitrary<T>, oneIn = 3): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/** A record without its undefined fields. */
function compact(fields: Record<string, JSONValue | undefined>): JSONObject {
  const out: JSONObject = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}

const smallInteger = fc.integer({ min: -20, max: 20 });
const bigIntegers = fc.constantFrom(2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 53, 2 ** 63, 1e21);
const fractions = fc.constantFrom(0.5, 1.5, -2.25, 0.1, 1e-7, 2.5, 0.3);
const anyNumber = fc.oneof(smallInteger, bigIntegers, fractions);

function stringSchema(): fc.Arbitrary<JSONObject> {
  return fc
    .record({
      format: optional(fc.constantFrom(...Object.keys(FORMAT_SAMPLES)), 2),
      pattern: optional(fc.constantFrom(...PATTERNS.map((p) => p.pattern)), 5),
      minLength: optional(fc.integer({ min: 0, max: 4 })),
      maxLength: optional(fc.integer({ min: 0, max: 8 })),
      enum: optional(
        fc.uniqueArray(fc.constantFrom('a', 'b', 'dev', 'prod', ''), { minLength: 1, maxLength: 3 }),
        5,
      ),
    })
    .map((fields) => compact({ type: 'string', ...fields }));
}

function numericSchema(type: 'integer' | 'number'): fc.Arbitrary<JSONObject> {
  const bound = type === 'integer' ? smallInteger : fc.oneof(smallInteger, fractions);
  return fc
    .record({
      minimum: optional(bound),
      maximum: optional(bound),
      exclusiveMinimum: optional(fc.boolean(), 4),
      exclusiveMaximum: optional(fc.boolean(), 4),
      multipleOf: optional(fc.constantFrom(2, 3, 5, 0.5, 0.1, 1.5), 3),
      format: optional(fc.constantFrom('int32', 'int64', 'float', 'double'), 5),
      enum: optional(fc.uniqueArray(fc.constantFrom(0, 1, 2, 5, 1.5), { minLength: 1, maxLength: 3 }), 6),
    })
    .map((fields) => compact({ type, ...fields }));
}

/** Value validations for allOf/anyOf/oneOf/not clauses, suited to what the schema holds. */
function clauseFor(schema: JSONObject): fc.Arbitrary<JSONObject> {
  switch (schema.type) {
    case 'string':
      return fc.oneof(
        fc.record({ minLength: fc.integer({ min: 1, max: 3 }) }),
        fc.record({ pattern: fc.constantFrom(...PATTERNS.map((p) => p.pattern)) }),
        fc.constant<JSONObject>({ enum: ['a', 'dev'] }),
        fc.record({ format: fc.constantFrom('ipv4', 'hostname', 'duration') }),
      );
    case 'integer':
    case 'number':
      return fc.oneof(
        fc.record({ minimum: smallInteger }),
        fc.record({ maximum: smallInteger }),
        fc.record({ multipleOf: fc.constantFrom(2, 3) }),
      );
    case 'object':
      return fc.oneof(
        fc.record({
          required: fc.uniqueArray(fc.constantFrom(...PROPERTY_NAMES), { minLength: 1, maxLength: 2 }),
        }),
        fc.record({ minProperties: fc.integer({ min: 1, max: 2 }) }),
      );
    case 'array':
      return fc.oneof(
        fc.record({ minItems: fc.integer({ min: 1, max: 2 }) }),
        fc.record({ uniqueItems: fc.constant(true) }),
      );
    default:
      return fc.oneof(
        fc.constant<JSONObject>({ enum: [1, 'a'] }),
        fc.record({ type: fc.constantFrom('string', 'integer') }),
      );
  }
}

function withValueValidations(schema: fc.Arbitrary<JSONObject>): fc.Arbitrary<JSONObject> {
  return schema.chain((base) =>
    fc
      .record({
        allOf: optional(fc.array(clauseFor(base), { minLength: 1, maxLength: 2 }), 8),
        anyOf: optional(fc.array(clauseFor(base), { minLength: 1, maxLength: 2 }), 8),
        oneOf: optional(fc.array(clauseFor(base), { minLength: 1, maxLength: 2 }), 8),
        not: optional(clauseFor(base), 10),
      })
      .map((clauses) => compact({ ...base, ...clauses })),
  );
}

function objectSchema(budget: Budget): fc.Arbitrary<JSONObject> {
  const child = { ...budget, depth: budget.depth - 1 };
  return fc
    .uniqueArray(fc.constantFrom(...PROPERTY_NAMES), { minLength: 1, maxLength: 4 })
    .chain((names) =>
      fc.record({
        properties: fc.tuple(...names.map(() => propertySchema(child))).map((schemas) => {
          const properties: JSONObject = {};
          names.forEach((name, index) => (properties[name] = schemas[index]!));
          return properties;
        }),
        required: optional(fc.subarray([...names, 'missing']), 2),
        minProperties: optional(fc.integer({ min: 0, max: 3 }), 8),
        maxProperties: optional(fc.integer({ min: 0, max: 3 }), 8),
      }),
    )
    .map((fields) => compact({ type: 'object', ...fields }));
}

/** A schema of `type` with the fields the record draws (those drawn as undefined left out). */
function typedSchema(
  type: string,
  fields: Record<string, fc.Arbitrary<JSONValue | undefined>>,
): fc.Arbitrary<JSONObject> {
  return fc.record(fields).map((drawn) => compact({ type, ...drawn }));
}

function mapSchema(budget: Budget): fc.Arbitrary<JSONObject> {
  const child = { ...budget, depth: budget.depth - 1 };
  return typedSchema('object', {
    additionalProperties: fc.oneof({ weight: 5, arbitrary: propertySchema(child) }, fc.boolean()),
    maxProperties: optional(fc.integer({ min: 0, max: 2 }), 6),
  });
}

function arraySchema(budget: Budget): fc.Arbitrary<JSONObject> {
  const child = { ...budget, depth: budget.depth - 1 };
  return typedSchema('array', {
    items: propertySchema(child),
    minItems: optional(fc.integer({ min: 0, max: 2 }), 4),
    maxItems: optional(fc.integer({ min: 0, max: 3 }), 4),
    uniqueItems: optional(fc.boolean(), 4),
  });
}

const leafSchema = (): fc.Arbitrary<JSONObject> =>
  fc.oneof(
    { weight: 4, arbitrary: stringSchema() },
    { weight: 2, arbitrary: numericSchema('integer') },
    { weight: 2, arbitrary: numericSchema('number') },
    { weight: 2, arbitrary: fc.constant<JSONObject>({ type: 'boolean' }) },
    { weight: 1, arbitrary: fc.constant<JSONObject>({ 'x-kubernetes-int-or-string': true }) },
    {
      weight: 1,
      arbitrary: fc.constant<JSONObject>({
        'x-kubernetes-int-or-string': true,
        anyOf: [{ type: 'integer' }, { type: 'string' }],
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<JSONObject>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
    },
  );

/** A schema at a property, item or map-value position: any kind, then nullable, a default and extras. */
function propertySchema(budget: Budget): fc.Arbitrary<JSONObject> {
  const kinds: fc.WeightedArbitrary<JSONObject>[] = [{ weight: 6, arbitrary: leafSchema() }];
  if (budget.depth > 0) {
    kinds.push(
      { weight: 2, arbitrary: objectSchema(budget) },
      { weight: 1, arbitrary: mapSchema(budget) },
      { weight: 1, arbitrary: arraySchema(budget) },
    );
  }
  if (budget.definitions.length > 0) {
    kinds.push({
      weight: 1,
      arbitrary: fc
        .record({
          $ref: fc.constantFrom(...budget.definitions.map((name) => `#/$defs/${name}`)),
          description: optional(fc.constant('beside a $ref'), 3),
        })
        .map((fields) => compact(fields)),
    });
  }
  return decorated(withValueValidations(fc.oneof(...kinds)));
}

/** nullable, a default (drawn from the schema's own values, so sometimes invalid), vendor extensions, a typo. */
function decorated(schema: fc.Arbitrary<JSONObject>): fc.Arbitrary<JSONObject> {
  return schema.chain((base) =>
    fc
      .record({
        nullable: optional(fc.boolean(), 4),
        default: optional(valueFor(base, {}, 1), 2),
        vendor: optional(fc.constantFrom('x-openchoreo-ui', 'x-order'), 10),
        unknownKey: optional(fc.constantFrom('types', 'defualt', 'const', '$comment'), 40),
      })
      .map(({ nullable, default: defaultValue, vendor, unknownKey }) => {
        const out: JSONObject = { ...base };
        if (nullable !== undefined) out.nullable = nullable;
        if (defaultValue !== undefined && base.$ref === undefined) out.default = defaultValue;
        if (vendor !== undefined) out[vendor] = { hidden: true };
        if (unknownKey !== undefined) out[unknownKey] = 'x';
        return out;
      }),
  );
}

export interface SchemaCase {
  schema: JSONObject;
  definitions: Definitions;
}

/** A root object schema, with `$defs` that its properties may refer to. */
export function schemaCase(): fc.Arbitrary<SchemaCase> {
  return fc
    .record({
      definitionCount: fc.integer({ min: 0, max: 2 }),
    })
    .chain(({ definitionCount }) => {
      const names = DEFINITION_NAMES.slice(0, definitionCount);
      const definitions = fc.tuple(...names.map(() => propertySchema({ depth: 1, definitions: [] })));
      return fc.tuple(definitions, objectSchema({ depth: 2, definitions: names })).map(([schemas, root]) => {
        const defined: Record<string, JSONObject> = {};
        names.forEach((name, index) => (defined[name] = schemas[index]!));
        return {
          schema: names.length > 0 ? { ...root, $defs: defined } : root,
          definitions: defined,
        };
      });
    });
}

const wildValue: fc.Arbitrary<JSONValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  anyNumber,
  fc.constantFrom('', 'a', '5', 'true'),
  fc.constant<JSONValue>([]),
  fc.constant<JSONValue>({}),
);

/** Values for a schema: mostly shaped by it, one in eight of any kind. */
export function valueFor(
  schema: JSONObject,
  definitions: Definitions,
  depth: number,
): fc.Arbitrary<JSONValue> {
  return fc.oneof(
    { weight: 7, arbitrary: shapedValue(schema, definitions, depth) },
    { weight: 1, arbitrary: wildValue },
  );
}

function shapedValue(schema: JSONObject, definitions: Definitions, depth: number): fc.Arbitrary<JSONValue> {
  if (typeof schema.$ref === 'string') {
    const target = definitions[schema.$ref.replace('#/$defs/', '')];
    return target ? shapedValue(target, definitions, depth) : wildValue;
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...schema.enum) },
      { weight: 1, arbitrary: wildValue },
    );
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    return fc.oneof(smallInteger, fractions, bigIntegers, fc.constantFrom('5', '50%', ''));
  }
  switch (schema.type) {
    case 'string':
      return stringValue(schema);
    case 'integer':
      return fc.oneof({ weight: 4, arbitrary: smallInteger }, bigIntegers, fractions);
    case 'number':
      return fc.oneof(smallInteger, fractions, bigIntegers);
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = fc.array(
        isObject(schema.items) ? valueFor(schema.items, definitions, depth + 1) : wildValue,
        { maxLength: 3 },
      );
      return depth > 4 ? fc.constant([]) : items;
    }
    case 'object':
      if (depth > 4) return fc.constant({});
      if (isObject(schema.properties)) return objectValue(schema.properties, definitions, depth);
      if (isObject(schema.additionalProperties)) {
        return fc.dictionary(
          fc.constantFrom(...MAP_KEYS),
          valueFor(schema.additionalProperties, definitions, depth + 1),
          {
            maxKeys: 3,
          },
        );
      }
      return fc.dictionary(fc.constantFrom(...MAP_KEYS), wildValue, { maxKeys: 2 });
    default:
      return wildValue;
  }
}

function stringValue(schema: JSONObject): fc.Arbitrary<JSONValue> {
  const choices: fc.Arbitrary<JSONValue>[] = [
    fc.string({ unit: fc.constantFrom('a', 'B', 'v', '1', '-', '.', ' '), maxLength: 6 }),
  ];
  if (typeof schema.format === 'string' && FORMAT_SAMPLES[schema.format]) {
    choices.push(
      fc.constantFrom(...FORMAT_SAMPLES[schema.format]!),
      fc.constantFrom(...FORMAT_SAMPLES[schema.format]!),
    );
  }
  const pattern = PATTERNS.find((p) => p.pattern === schema.pattern);
  if (pattern) choices.push(fc.constantFrom(...pattern.samples));
  return fc.oneof(...choices);
}

function objectValue(
  properties: JSONObject,
  definitions: Definitions,
  depth: number,
): fc.Arbitrary<JSONValue> {
  const names = Object.keys(properties);
  return fc
    .tuple(
      ...names.map((name) =>
        fc.oneof(
          { weight: 3, arbitrary: valueFor(properties[name] as JSONObject, definitions, depth + 1) },
          { weight: 2, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constant(null) },
        ),
      ),
      optional(fc.constantFrom(...MAP_KEYS), 8),
    )
    .map((entries) => {
      const extra = entries.pop() as string | undefined;
      const out: JSONObject = {};
      names.forEach((name, index) => {
        const value = entries[index] as JSONValue | undefined;
        if (value !== undefined) out[name] = value;
      });
      if (extra !== undefined) out[extra] = 'extra';
      return out;
    });
}

/** Parameters for one schema, as runs give them (objects only): two to five of them. */
export function parameterValues(
  schema: JSONObject,
  definitions: Definitions = {},
): fc.Arbitrary<JSONValue[]> {
  return fc.array(valueFor(schema, definitions, 0).filter(isObject), { minLength: 2, maxLength: 5 });
}

export interface OpenAPICase {
  schema: JSONObject;
  values: JSONValue[];
}

/** An openAPIV3Schema Workflow's schema and parameters of runs against it. */
export function openapiCase(): fc.Arbitrary<OpenAPICase> {
  return schemaCase().chain(({ schema, definitions }) =>
    parameterValues(schema, definitions).map((values) => ({ schema, values })),
  );
}

function isObject(value: JSONValue | undefined): value is JSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Shorthand Workflows (v0.17 spec.schema): field maps of `type | marker=value` strings, nested objects, arrays and
// maps of them. A field without a default is required.

const SHORTHAND_LEAVES: { type: string; markers: string[] }[] = [
  {
    type: 'string',
    markers: [
      'default=dev',
      'enum=dev,prod',
      'minLength=2',
      'maxLength=4',
      'pattern=^[a-z]+$',
      'format=hostname',
      'format=duration',
      'format=uri',
    ],
  },
  {
    type: 'integer',
    markers: ['default=1', 'minimum=0', 'maximum=10', 'multipleOf=2', 'exclusiveMinimum=true', 'enum=1,2,3'],
  },
  { type: 'number', markers: ['default=0.5', 'minimum=0', 'maximum=1.5', 'multipleOf=0.5'] },
  { type: 'boolean', markers: ['default=true', 'default=false'] },
  { type: '[]string', markers: ['minItems=1', 'maxItems=2', 'default=["a"]'] },
  { type: 'map<string>', markers: ['maxProperties=2', 'default={"k":"v"}'] },
  { type: '[]integer', markers: ['default=[1,2]'] },
];

function shorthandLeaf(): fc.Arbitrary<string> {
  return fc.constantFrom(...SHORTHAND_LEAVES).chain(({ type, markers }) =>
    fc.subarray(markers, { maxLength: Math.min(3, markers.length) }).map((chosen) => {
      const defaults = chosen.filter((marker) => marker.startsWith('default='));
      const kept = [...chosen.filter((marker) => !marker.startsWith('default=')), ...defaults.slice(0, 1)];
      return kept.length === 0 ? type : `${type} | ${kept.join(' ')}`;
    }),
  );
}

function shorthandFields(depth: number): fc.Arbitrary<JSONObject> {
  return fc.uniqueArray(fc.constantFrom(...PROPERTY_NAMES), { minLength: 1, maxLength: 4 }).chain((names) =>
    fc
      .tuple(
        ...names.map(() =>
          depth > 0
            ? fc.oneof(
                { weight: 3, arbitrary: shorthandLeaf() as fc.Arbitrary<JSONValue> },
                shorthandFields(depth - 1),
              )
            : (shorthandLeaf() as fc.Arbitrary<JSONValue>),
        ),
      )
      .map((fields) => {
        const out: JSONObject = {};
        names.forEach((name, index) => (out[name] = fields[index]!));
        return out;
      }),
  );
}

/** A shorthand `spec.schema`: `{ parameters }`. */
export function shorthandCase(): fc.Arbitrary<JSONObject> {
  return shorthandFields(2).map((parameters) => ({ parameters }));
}
