import { expect } from 'chai';
import fc from 'fast-check';

import type { JSONObject, JSONSchema, JSONValue } from '../../core/index.ts';
import { applyDefaults, compileDefaulter } from '../../core/engine.ts';

const str = (extra: JSONObject = {}): JSONSchema => ({ type: 'string', ...extra });

describe('core/defaulting: Kubernetes structural defaulting', () => {
  it('fills a missing property with its default and keeps given values', () => {
    const schema: JSONSchema = {
      type: 'object',
      properties: { a: str({ default: 'x' }), b: str({ default: 'y' }), c: { type: 'integer', default: 0 } },
    };
    expect(applyDefaults(schema, { b: 'given' })).to.deep.equal({ b: 'given', a: 'x', c: 0 });
  });

  it('treats null and undefined values as {}', () => {
    const schema: JSONSchema = { type: 'object', properties: { a: str({ default: 'x' }) } };
    expect(applyDefaults(schema, null)).to.deep.equal({ a: 'x' });
    expect(applyDefaults(schema, undefined)).to.deep.equal({ a: 'x' });
  });

  it('copies object defaults deeply, so results never share them with the schema or each other', () => {
    const schema: JSONSchema = {
      type: 'object',
      properties: { o: { type: 'object', default: { list: [1] } } },
    };
    const first = applyDefaults(schema, {}) as { o: { list: number[] } };
    first.o.list.push(2);
    expect(applyDefaults(schema, {})).to.deep.equal({ o: { list: [1] } });
    expect((schema.properties as JSONObject).o).to.deep.equal({ type: 'object', default: { list: [1] } });
  });

  it('recurses into defaults just filled in, additionalProperties and array items', () => {
    const item: JSONSchema = { type: 'object', properties: { port: { type: 'integer', default: 80 } } };
    const schema: JSONSchema = {
      type: 'object',
      properties: {
        config: { type: 'object', default: {}, properties: { timeout: { type: 'integer', default: 30 } } },
        services: { type: 'object', additionalProperties: item },
        list: { type: 'array', items: item },
      },
    };
    expect(
      applyDefaults(schema, { services: { web: {}, api: { port: 8080 } }, list: [{}, { port: 1 }] }),
    ).to.deep.equal({
      services: { web: { port: 80 }, api: { port: 8080 } },
      list: [{ port: 80 }, { port: 1 }],
      config: { timeout: 30 },
    });
  });

  it('never invents arrays, fills a null that has a default, and leaves wrongly typed values alone', () => {
    const schema: JSONSchema = {
      type: 'object',
      required: ['list'],
      properties: {
        list: { type: 'array', items: { type: 'object', properties: { a: str({ default: 'x' }) } } },
        name: str({ default: 'n' }),
        nested: { type: 'object', properties: { a: str({ default: 'x' }) } },
      },
    };
    expect(applyDefaults(schema, {})).to.deep.equal({ name: 'n' });
    expect(applyDefaults(schema, { name: null, nested: 'text', list: 'nope' })).to.deep.equal({
      name: 'n',
      nested: 'text',
      list: 'nope',
    });
  });

  it('gives a null its default where the schema is not nullable, in properties, map values and list items', () => {
    const schema: JSONSchema = {
      type: 'object',
      properties: {
        kept: str({ default: 'k', nullable: true }),
        filled: str({ default: 'f' }),
        map: { type: 'object', additionalProperties: str({ default: 'm' }) },
        list: { type: 'array', items: { type: 'object', default: { a: 'i' } } },
      },
    };
    expect(
      applyDefaults(schema, { kept: null, filled: null, map: { x: null }, list: [null, {}] }),
    ).to.deep.equal({
      kept: null,
      filled: 'f',
      map: { x: 'm' },
      list: [{ a: 'i' }, {}],
    });
  });

  it('skips a null default, as Go does with a nil default', () => {
    expect(applyDefaults({ type: 'object', properties: { a: str({ default: null }) } }, {})).to.deep.equal(
      {},
    );
  });

  it('appends added keys in schema order after the given keys, never reordering them', () => {
    const schema: JSONSchema = {
      type: 'object',
      properties: { z: str({ default: 'z' }), m: str(), a: str({ default: 'a' }) },
    };
    const result = applyDefaults(schema, { m: 'given', extra: 1 }) as JSONObject;
    expect(Object.keys(result)).to.deep.equal(['m', 'extra', 'z', 'a']);
  });

  it('returns non-object parameters unchanged', () => {
    const schema: JSONSchema = { type: 'object', properties: { a: str({ default: 'x' }) } };
    expect(applyDefaults(schema, 'text')).to.equal('text');
    expect(applyDefaults(schema, [1, 2])).to.deep.equal([1, 2]);
  });

  it('does nothing without a schema', () => {
    expect(applyDefaults(null, { a: 1 })).to.deep.equal({ a: 1 });
    expect(compileDefaulter(undefined).apply(undefined)).to.deep.equal({});
  });
});

describe("core/defaulting: the seed's rule for omitted objects", () => {
  const dockerBuild: JSONSchema = {
    type: 'object',
    required: ['docker', 'repository'],
    properties: {
      repository: {
        type: 'object',
        required: ['revision'],
        properties: {
          url: str({ default: 'https://github.com/openchoreo/sample-workloads' }),
          revision: {
            type: 'object',
            properties: { branch: str({ default: 'main' }), commit: str({ default: '' }) },
          },
          appPath: str({ default: '/service-go-greeter' }),
        },
      },
      docker: {
        type: 'object',
        properties: { context: str({ default: '/ctx' }), filePath: str({ default: '/ctx/Dockerfile' }) },
      },
    },
  };

  it('creates a required object, at any depth, whose every field has a default', () => {
    expect(
      applyDefaults(dockerBuild, { repository: { url: 'https://github.com/myorg/hello-world' } }),
    ).to.deep.equal({
      repository: {
        url: 'https://github.com/myorg/hello-world',
        revision: { branch: 'main', commit: '' },
        appPath: '/service-go-greeter',
      },
      docker: { context: '/ctx', filePath: '/ctx/Dockerfile' },
    });
    expect(applyDefaults(dockerBuild, {})).to.deep.equal({
      repository: {
        url: 'https://github.com/openchoreo/sample-workloads',
        revision: { branch: 'main', commit: '' },
        appPath: '/service-go-greeter',
      },
      docker: { context: '/ctx', filePath: '/ctx/Dockerfile' },
    });
  });

  it('does not create an optional object without a default (OpenAPI: intermediate objects need default: {})', () => {
    const schema: JSONSchema = {
      type: 'object',
      properties: { resources: { type: 'object', properties: { cpu: str({ default: '100m' }) } } },
    };
    expect(applyDefaults(schema, {})).to.deep.equal({});
  });

  it('does not create an object with a field nothing can fill, so validation reports the object as missing', () => {
    const schema: JSONSchema = {
      type: 'object',
      required: ['db', 'outer'],
      properties: {
        db: {
          type: 'object',
          required: ['host'],
          properties: { host: str(), port: { type: 'integer', default: 5432 } },
        },
        outer: {
          type: 'object',
          required: ['inner'],
          properties: { inner: { type: 'object', required: ['x'], properties: { x: str() } } },
        },
      },
    };
    expect(applyDefaults(schema, {})).to.deep.equal({});
  });

  it('does not create maps, arrays or objects that declare no properties', () => {
    const schema: JSONSchema = {
      type: 'object',
      required: ['labels', 'tags', 'empty'],
      properties: {
        labels: { type: 'object', additionalProperties: str() },
        tags: { type: 'array', items: str() },
        empty: { type: 'object' },
      },
    };
    expect(applyDefaults(schema, {})).to.deep.equal({});
  });

  it("prefers an object's own default over creating it", () => {
    const schema: JSONSchema = {
      type: 'object',
      required: ['db'],
      properties: {
        db: {
          type: 'object',
          default: { host: 'localhost', port: 9999 },
          properties: { host: str({ default: 'h' }), port: { type: 'integer', default: 5432 } },
        },
      },
    };
    expect(applyDefaults(schema, {})).to.deep.equal({ db: { host: 'localhost', port: 9999 } });
    expect(applyDefaults(schema, { db: { host: 'prod' } })).to.deep.equal({
      db: { host: 'prod', port: 5432 },
    });
  });
});

describe('core/defaulting: idempotence, no mutation, hostile keys', () => {
  const schema: JSONSchema = {
    type: 'object',
    required: ['obj'],
    properties: {
      s: str({ default: 'd' }),
      obj: { type: 'object', properties: { x: { type: 'integer', default: 1 }, y: str({ default: 'y' }) } },
      map: {
        type: 'object',
        additionalProperties: { type: 'object', properties: { k: str({ default: 'k' }) } },
      },
      list: { type: 'array', items: { type: 'object', properties: { n: { type: 'number', default: 1.5 } } } },
    },
  };

  it('is idempotent, only adds (or fills nulls), and leaves its input untouched (property-based)', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const parameters = fc.record(
      {
        s: value,
        obj: fc.oneof(value, fc.record({ x: value, y: value }, { requiredKeys: [] })),
        map: fc.oneof(
          value,
          fc.dictionary(fc.string(), fc.oneof(value, fc.record({ k: value }, { requiredKeys: [] }))),
        ),
        list: fc.oneof(value, fc.array(fc.oneof(value, fc.record({ n: value }, { requiredKeys: [] })))),
        other: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(parameters, (input) => {
        const before = structuredClone(input);
        const once = applyDefaults(schema, input as JSONValue);
        expect(input).to.deep.equal(before);
        expect(applyDefaults(schema, once)).to.deep.equal(once);
        expectOnlyAdded(before as JSONValue, once);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps __proto__ and constructor keys as plain own data, in values and in schemas', () => {
    const hostileSchema = JSON.parse(
      '{"type":"object","properties":{"__proto__":{"type":"object","default":{"polluted":true}},' +
        '"constructor":{"type":"object","properties":{"prototype":{"type":"object","default":{"polluted":true}}},"default":{}}}}',
    ) as JSONSchema;
    const values = JSON.parse('{"nested":{"__proto__":{"polluted":true}}}') as JSONValue;
    const result = applyDefaults(hostileSchema, values) as JSONObject;
    expect(Object.hasOwn(result, '__proto__')).to.equal(true);
    expect(Object.getPrototypeOf(result)).to.equal(Object.prototype);
    expect(JSON.stringify(result)).to.equal(
      '{"nested":{"__proto__":{"polluted":true}},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    );
    expect(({} as JSONObject).polluted).to.equal(undefined);
    expect(Object.prototype).to.not.have.own.property('polluted');
  });

  it('returns absurdly deep parameters as given instead of overflowing the stack (validation refuses them)', () => {
    let deep: JSONValue = 'leaf';
    for (let level = 0; level < 100_000; level++) deep = { a: deep };
    const schema: JSONSchema = {
      type: 'object',
      properties: { a: { type: 'object', additionalProperties: {} } },
    };
    expect(applyDefaults(schema, deep)).to.equal(deep);
    expect(applyDefaults(null, deep)).to.equal(deep);
  });

  it('does not treat inherited names as declared properties', () => {
    const result = applyDefaults(
      { type: 'object', properties: { a: str({ default: 'x' }) } },
      { toString: 'v' },
    );
    expect(result).to.deep.equal({ toString: 'v', a: 'x' });
  });
});

/** Every value present in `before` is present, unchanged, at the same place in `after`; a null may be defaulted. */
function expectOnlyAdded(before: JSONValue, after: JSONValue): void {
  if (Array.isArray(before)) {
    expect(after).to.be.an('array').with.length(before.length);
    before.forEach((item, index) => expectOnlyAdded(item, (after as JSONValue[])[index]!));
  } else if (typeof before === 'object' && before !== null) {
    expect(after).to.be.an('object');
    const keys = Object.keys(before);
    expect(Object.keys(after as JSONObject).slice(0, keys.length)).to.deep.equal(keys);
    for (const key of keys) expectOnlyAdded(before[key]!, (after as JSONObject)[key]!);
  } else if (before !== null) {
    expect(after).to.equal(before);
  }
}
