// Rules of the openAPIV3Schema conversions beyond OpenChoreo's own tests: Go's decoding quirks, hostile input, and
// the real v1.x sample Workflows.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';

import { SchemaError, type JSONObject, type JSONValue } from '../../core/index.ts';
import {
  MAX_REF_DEPTH,
  MAX_SCHEMA_NESTING,
  openAPIV3ToJSONSchema,
  openAPIV3ToResolvedSchema,
  openAPIV3ToStructural,
  openAPIV3ToStructuralAndJSONSchema,
  resolveRefs,
  stripVendorExtensions,
} from '../../core/engine.ts';

const CONVERSIONS: Record<string, (schema: JSONObject) => unknown> = {
  resolveRefs,
  stripVendorExtensions,
  openAPIV3ToResolvedSchema,
  openAPIV3ToJSONSchema,
  openAPIV3ToStructural,
  openAPIV3ToStructuralAndJSONSchema,
};

function schemaErrorFrom(run: () => unknown): SchemaError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(SchemaError);
    return error as SchemaError;
  }
  return expect.fail('expected a SchemaError, got a result');
}

// JSON.parse keeps `__proto__` as an own key, the way YAML and AdmissionReview bodies arrive.
function json(text: string): JSONObject {
  return JSON.parse(text) as JSONObject;
}

function nestedProperties(levels: number, leaf: JSONObject = { type: 'string' }): JSONObject {
  let schema = leaf;
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
}

describe('openapi: $ref resolution', () => {
  it('lets keys next to a $ref override the definition (the docs example)', () => {
    const schema = json(`{
      "type": "object",
      "$defs": {"Resources": {"type": "object", "default": {"cpu": "100m"}, "properties": {"cpu": {"type": "string"}}}},
      "properties": {"resources": {"$ref": "#/$defs/Resources", "default": {"cpu": "500m"}, "x-portal": {"ui:field": "Picker"}}}
    }`);
    expect(resolveRefs(schema)).to.deep.equal({
      type: 'object',
      properties: {
        resources: {
          type: 'object',
          default: { cpu: '500m' },
          properties: { cpu: { type: 'string' } },
          'x-portal': { 'ui:field': 'Picker' },
        },
      },
    });
  });

  it('resolves refs inside sibling keys, and keeps an empty $defs as OpenChoreo does', () => {
    const schema = json(`{
      "$defs": {"Base": {"type": "object"}, "Name": {"type": "string"}},
      "properties": {"a": {"$ref": "#/$defs/Base", "properties": {"n": {"$ref": "#/$defs/Name"}}}}
    }`);
    expect(resolveRefs(schema)).to.deep.equal({
      properties: { a: { type: 'object', properties: { n: { type: 'string' } } } },
    });
    expect(resolveRefs({ $defs: {}, type: 'object' })).to.deep.equal({ $defs: {}, type: 'object' });
  });

  it('leaves every input unchanged', () => {
    const schema = json(`{
      "$defs": {"A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}}, "B": {"type": "string", "x-a": 1}},
      "properties": {"a": {"$ref": "#/$defs/A", "default": {}, "x-b": [1]}}
    }`);
    const before = structuredClone(schema);
    for (const convert of Object.values(CONVERSIONS)) convert(schema);
    expect(schema).to.deep.equal(before);
  });

  it('names the place of an error in `field`', () => {
    const missing = schemaErrorFrom(() =>
      resolveRefs(json('{"$defs": {"A": {}}, "properties": {"repo": {"items": {"$ref": "#/$defs/Nope"}}}}')),
    );
    expect(missing.message).to.equal('$ref "#/$defs/Nope" not found in definitions');
    expect(missing.field).to.equal('properties.repo.items.$ref');

    const cycle = schemaErrorFrom(() =>
      openAPIV3ToJSONSchema(
        json('{"$defs": {"A": {"properties": {"x": {"$ref": "#/$defs/A"}}}}, "$ref": "#/$defs/A"}'),
      ),
    );
    expect(cycle.message).to.equal('failed to resolve $ref: circular $ref: A → A');
    expect(cycle.field).to.equal('$defs.A.properties.x.$ref');
  });

  it('quotes refs in messages as Go does', () => {
    const error = schemaErrorFrom(() => resolveRefs({ properties: { a: { $ref: 'http://x/\u0000é' } } }));
    expect(error.message).to.equal('only local $ref supported, got "http://x/\\x00é"');
  });

  it(`counts schema levels as well as $ref hops towards the depth limit of ${MAX_REF_DEPTH}, as OpenChoreo does`, () => {
    expect(() => resolveRefs(nestedProperties(64))).not.to.throw();
    expect(schemaErrorFrom(() => resolveRefs(nestedProperties(65))).message).to.equal(
      '$ref resolution exceeded maximum depth of 64',
    );
  });

  it('rejects a definition graph that would multiply when inlined, instead of hanging', () => {
    // D0 uses D1 twice, D1 uses D2 twice, ...: 2^30 copies of D30 if inlined naively.
    const $defs: JSONObject = { D30: { type: 'string' } };
    for (let i = 0; i < 30; i++) {
      $defs[`D${i}`] = {
        type: 'object',
        properties: { left: { $ref: `#/$defs/D${i + 1}` }, right: { $ref: `#/$defs/D${i + 1}` } },
      };
    }
    const schema: JSONObject = { $defs, type: 'object', properties: { root: { $ref: '#/$defs/D0' } } };
    for (const convert of [resolveRefs, openAPIV3ToStructural]) {
      expect(schemaErrorFrom(() => convert(schema)).message).to.match(
        /exceeded the limit of \d+ schema nodes/,
      );
    }
  });

  it('still inlines a definition used many times in a realistic schema', () => {
    const properties: JSONObject = {};
    for (let i = 0; i < 500; i++) properties[`field${i}`] = { $ref: '#/$defs/Leaf' };
    const schema: JSONObject = {
      $defs: { Leaf: { type: 'string', enum: Array.from({ length: 50 }, (_, i) => `v${i}`), default: 'v0' } },
      type: 'object',
      properties,
    };
    const resolved = resolveRefs(schema) as { properties: Record<string, JSONObject> };
    expect(Object.keys(resolved.properties)).to.have.length(500);
    expect(resolved.properties.field499).to.have.property('default', 'v0');
  });
});

describe('openapi: hostile input', () => {
  const hostile = json(`{
    "type": "object",
    "$defs": {
      "__proto__": {"type": "object", "properties": {"polluted": {"type": "string", "default": "yes"}}},
      "constructor": {"type": "string", "default": "c"},
      "prototype": {"type": "integer"}
    },
    "properties": {
      "__proto__": {"$ref": "#/$defs/__proto__", "x-hidden": true},
      "constructor": {"$ref": "#/$defs/constructor"},
      "prototype": {"$ref": "#/$defs/prototype"},
      "toString": {"type": "string", "default": {"__proto__": {"polluted": "yes"}}}
    },
    "required": ["__proto__", "constructor"]
  }`);

  afterEach(() => {
    expect(Object.prototype).not.to.have.property('polluted');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  for (const [name, convert] of Object.entries(CONVERSIONS)) {
    it(`${name} keeps __proto__, constructor and prototype as plain keys`, () => {
      const result = convert(hostile) as JSONObject;
      const schema = (
        name === 'openAPIV3ToStructuralAndJSONSchema' ? result.jsonSchema : result
      ) as JSONObject;
      const properties = schema.properties as JSONObject;
      expect(Object.keys(properties)).to.include.members([
        '__proto__',
        'constructor',
        'prototype',
        'toString',
      ]);
      expect(Object.getPrototypeOf(properties)).to.equal(Object.prototype);
      if (name !== 'stripVendorExtensions') {
        expect(Object.getOwnPropertyDescriptor(properties, '__proto__')?.value).to.have.nested.property(
          'properties.polluted.default',
          'yes',
        );
        expect(properties.constructor).to.deep.include({ type: 'string', default: 'c' });
      }
    });
  }

  it('refuses a $ref to a name that exists only on Object.prototype', () => {
    for (const name of ['toString', 'hasOwnProperty', '__proto__']) {
      const error = schemaErrorFrom(() =>
        resolveRefs({ $defs: { A: {} }, properties: { a: { $ref: `#/$defs/${name}` } } }),
      );
      expect(error.message).to.contain('not found in definitions');
    }
  });

  it('gives a SchemaError, not a stack overflow, for very deep schemas', () => {
    const deepProperties = nestedProperties(50_000);
    let deepDefault: JSONValue = 'leaf';
    for (let i = 0; i < 50_000; i++) deepDefault = [deepDefault];
    const deepDefaultSchema: JSONObject = { type: 'array', default: deepDefault };
    for (const convert of Object.values(CONVERSIONS)) {
      for (const schema of [deepProperties, deepDefaultSchema]) {
        expect(schemaErrorFrom(() => convert(schema)).message).to.match(
          /nested deeper than \d+ levels|maximum depth/,
        );
      }
    }
  });

  it(`accepts values nested up to ${MAX_SCHEMA_NESTING} levels`, () => {
    let value: JSONValue = 1;
    for (let i = 0; i < MAX_SCHEMA_NESTING - 2; i++) value = [value];
    expect(() => openAPIV3ToResolvedSchema({ default: value })).not.to.throw();
  });

  it('rejects numbers JSON cannot hold, as Go refuses to marshal them', () => {
    expect(schemaErrorFrom(() => openAPIV3ToJSONSchema({ maximum: Infinity })).message).to.equal(
      'failed to marshal schema: json: unsupported value: +Inf',
    );
    expect(schemaErrorFrom(() => openAPIV3ToStructural({ default: [NaN] })).field).to.equal('default[0]');
  });

  it('rejects a schema that is not an object', () => {
    for (const bad of [[], 'string', 5, true] as unknown as JSONObject[]) {
      for (const convert of Object.values(CONVERSIONS)) {
        expect(schemaErrorFrom(() => convert(bad)).message).to.match(/must be an object/);
      }
    }
  });
});

describe('openapi: vendor extensions', () => {
  it('strips x-* keys at every depth and in every role, keeping x-kubernetes-*, "x" and "x-"', () => {
    const schema = json(`{
      "x-ui": 1, "x": 2, "x-": 3, "x-kubernetes-map-type": "atomic",
      "properties": {"x-prop": {"type": "string"}, "p": {"default": {"x-key": 1, "k": [{"x-in-list": 1}]}}}
    }`);
    expect(stripVendorExtensions(schema)).to.deep.equal({
      x: 2,
      'x-': 3,
      'x-kubernetes-map-type': 'atomic',
      properties: { p: { default: { k: [{}] } } },
    });
  });
});

describe('openapi: v1 JSONSchemaProps form (as Go decodes and encodes it)', () => {
  it('drops keys v1 has no field for and writes Go field order, omitting empty values', () => {
    const schema = json(`{
      "x-ui": 1, "const": 1, "if": {"type": "string"}, "$defs": {},
      "required": [], "enum": [], "description": "",
      "additionalProperties": false, "x-kubernetes-preserve-unknown-fields": false, "type": "object", "default": null
    }`);
    const output = openAPIV3ToJSONSchema(schema);
    expect(output).to.deep.equal({
      type: 'object',
      additionalProperties: false,
      'x-kubernetes-preserve-unknown-fields': false,
    });
    expect(Object.keys(output)).to.deep.equal([
      'type',
      'additionalProperties',
      'x-kubernetes-preserve-unknown-fields',
    ]);
  });

  it('matches keys ignoring case (the later key in sorted order wins), but not below items', () => {
    const schema = json(`{
      "Type": "array", "DESCRIPTION": "d",
      "Properties": {"a": {"type": "string"}}, "properties": {"b": {"Type": "integer"}},
      "items": {"Type": "string", "format": "f"}
    }`);
    expect(openAPIV3ToJSONSchema(schema)).to.deep.equal({
      description: 'd',
      type: 'array',
      items: { format: 'f' },
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
    });
  });

  it('sorts required lists under properties, items and additionalProperties but not under allOf', () => {
    const schema = json(`{
      "required": ["b", "a"],
      "properties": {"p": {"required": ["d", "c"]}},
      "items": {"required": ["f", "e"]},
      "additionalProperties": {"required": ["h", "g"]},
      "allOf": [{"required": ["z", "y"]}]
    }`);
    expect(openAPIV3ToJSONSchema(schema)).to.deep.include({
      required: ['a', 'b'],
      items: { required: ['e', 'f'] },
      allOf: [{ required: ['z', 'y'] }],
      properties: { p: { required: ['c', 'd'] } },
      additionalProperties: { required: ['g', 'h'] },
    });
    expect(openAPIV3ToStructural(schema)).to.have.deep.property('required', ['b', 'a']);
  });

  it('reports a wrongly typed keyword with Go decoding error text and the schema path', () => {
    const error = schemaErrorFrom(() =>
      openAPIV3ToJSONSchema(json('{"properties": {"port": {"maxLength": 1.5}}}')),
    );
    expect(error.message).to.equal(
      'failed to unmarshal schema to JSONSchemaProps: json: cannot unmarshal number 1.5 into Go struct field ' +
        'JSONSchemaProps.properties.maxLength of type int64',
    );
    expect(error.field).to.equal('properties.port.maxLength');
    expect(schemaErrorFrom(() => openAPIV3ToJSONSchema({ additionalProperties: 'yes' })).message).to.equal(
      'failed to unmarshal schema to JSONSchemaProps: boolean or JSON schema expected',
    );
    expect(schemaErrorFrom(() => openAPIV3ToJSONSchema({ type: ['string', 'null'] })).message).to.contain(
      'cannot unmarshal array into Go struct field JSONSchemaProps.type of type string',
    );
  });

  it('gives an empty schema for null', () => {
    expect(openAPIV3ToJSONSchema(null)).to.deep.equal({});
    expect(openAPIV3ToStructural(null)).to.deep.equal({});
  });
});

describe('openapi: structural schema', () => {
  const refusals: [string, JSONObject, string][] = [
    [
      'patternProperties',
      { patternProperties: { '^a': {} } },
      "OpenAPIV3Schema 'patternProperties' is not supported",
    ],
    ['definitions', { definitions: { A: {} } }, "OpenAPIV3Schema 'definitions' is not supported"],
    ['dependencies', { dependencies: { a: ['b'] } }, "OpenAPIV3Schema 'dependencies' is not supported"],
    ['additionalItems', { additionalItems: false }, "OpenAPIV3Schema 'additionalItems' is not supported"],
    ['id', { id: 'x' }, "OpenAPIV3Schema 'id' is not supported"],
    ['$schema', { $schema: 'x' }, "OpenAPIV3Schema 'schema' is not supported"],
    [
      'a list as items',
      { items: [{ type: 'string' }] },
      "OpenAPIV3Schema 'items' must be a schema, but is an array",
    ],
    [
      'preserve-unknown-fields: false',
      { properties: { a: { 'x-kubernetes-preserve-unknown-fields': false } } },
      "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined",
    ],
    [
      'a nested refusal',
      { allOf: [{ properties: { a: { id: 'x' } } }] },
      "OpenAPIV3Schema 'id' is not supported",
    ],
  ];
  for (const [what, schema, message] of refusals) {
    it(`refuses ${what}`, () => {
      expect(schemaErrorFrom(() => openAPIV3ToStructural(schema)).message).to.equal(
        `failed to build structural schema: ${message}`,
      );
      expect(schemaErrorFrom(() => openAPIV3ToStructuralAndJSONSchema(schema)).message).to.contain(message);
    });
  }

  it('accepts what the JSON form keeps but drops additionalProperties under allOf, as Kubernetes does', () => {
    const schema: JSONObject = {
      type: 'object',
      properties: { a: { type: 'string', 'x-ui': 1 } },
      allOf: [{ additionalProperties: { type: 'string' }, required: ['a'] }],
      additionalProperties: { type: 'integer' },
    };
    expect(openAPIV3ToStructural(schema)).to.deep.equal({
      type: 'object',
      allOf: [{ required: ['a'] }],
      properties: { a: { type: 'string' } },
      additionalProperties: { type: 'integer' },
    });
  });
});

describe('openapi: the v1.x sample Workflows', () => {
  const samplesDir = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../local-cluster/openchoreo/samples/v1.x',
  );
  const workflows = readdirSync(samplesDir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(path.join(samplesDir, file), 'utf8'))
        .map(
          (document) => document.toJS() as { kind?: string; metadata?: { name?: string }; spec?: JSONObject },
        )
        .filter((object) => object.kind === 'Workflow' || object.kind === 'ClusterWorkflow')
        .map((object) => ({ file, object })),
    );

  it('finds the sample Workflows and ClusterWorkflows', () => {
    expect(workflows.map(({ object }) => object.kind).sort()).to.deep.equal(['ClusterWorkflow', 'Workflow']);
  });

  for (const { file, object } of workflows) {
    it(`converts ${object.kind} ${object.metadata?.name} (${file})`, () => {
      const schema = (object.spec?.parameters as { openAPIV3Schema?: JSONObject } | undefined)
        ?.openAPIV3Schema;
      expect(schema, 'spec.parameters.openAPIV3Schema').to.be.an('object');
      const { structural, jsonSchema } = openAPIV3ToStructuralAndJSONSchema(schema as JSONObject);
      expect(structural).to.have.property('type', 'object');
      expect(jsonSchema).to.have.property('type', 'object');
      expect(JSON.stringify(jsonSchema)).not.to.contain('$ref');
      expect(openAPIV3ToResolvedSchema(schema as JSONObject)).not.to.have.property('$defs');
    });
  }
});
