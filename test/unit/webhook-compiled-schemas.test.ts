// The webhook's compiled-schema cache: keyed by schema content, so Workflows that share a schema share one compiled
// form; compiled only when a run needs it; bounded, least recently used first; visible in the metrics.
import { expect } from 'chai';
import { SchemaError, type WorkflowObject } from '../../core/index.ts';
import { CompiledSchemaCache } from '../../webhook/compiled-schemas.ts';
import { createMetrics } from '../../webhook/metrics.ts';

function workflow(name: string, namespace: string, parameterType: string): WorkflowObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, resourceVersion: '1' },
    spec: { schema: { parameters: { value: parameterType } } },
  } as WorkflowObject;
}

describe('webhook compiled-schema cache', () => {
  it('compiles a schema once for every Workflow that carries it, and nothing before a run asks', () => {
    const cache = new CompiledSchemaCache();
    expect(cache.stats()).to.deep.equal({ size: 0, maxEntries: 1000, hits: 0, misses: 0 });
    const first = cache.get(workflow('build', 'team-a', 'string | default=x'));
    const copied = cache.get(workflow('build', 'team-b', 'string | default=x'));
    expect(copied).to.equal(first);
    expect(cache.get(workflow('other', 'team-a', 'integer | default=1'))).to.not.equal(first);
    expect(cache.stats()).to.deep.equal({ size: 2, maxEntries: 1000, hits: 1, misses: 2 });
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new CompiledSchemaCache(2);
    const [a, b, c] = ['string', 'integer', 'boolean'].map((type) => workflow(type, 'ns', type));
    cache.get(a!);
    cache.get(b!);
    cache.get(a!); // a is now the most recently used
    cache.get(c!); // evicts b
    expect(cache.stats()).to.include({ size: 2, hits: 1, misses: 3 });
    cache.get(a!);
    expect(cache.stats().hits).to.equal(2);
    cache.get(b!);
    expect(cache.stats().misses).to.equal(4);
    expect(() => new CompiledSchemaCache(0)).to.throw(RangeError);
  });

  it("recompiles a Workflow whose default changed, with the new default, reusing its schema's compiled checks", () => {
    const cache = new CompiledSchemaCache();
    const before = cache.get(workflow('build', 'ns', 'string | default=main'));
    const after = cache.get(workflow('build', 'ns', 'string | default=release'));
    expect(after).to.not.equal(before);
    expect(before.applyDefaults({})).to.deep.equal({ value: 'main' });
    expect(after.applyDefaults({})).to.deep.equal({ value: 'release' });
    expect(after.validate({ value: 1 }).errors).to.deep.equal(before.validate({ value: 1 }).errors);
    expect(cache.stats()).to.include({ size: 2, misses: 2 });
  });

  it("refuses a broken schema with a message naming each Workflow that carries it, not the first one's", () => {
    const cache = new CompiledSchemaCache();
    const refusal = (name: string) => {
      try {
        cache.get(workflow(name, 'ns', 'no-such-type'));
      } catch (error) {
        expect(error).to.be.instanceOf(SchemaError);
        return (error as Error).message;
      }
      throw new Error('expected a SchemaError');
    };
    expect(refusal('first')).to.contain('"ns/first"');
    expect(refusal('first')).to.contain('"ns/first"');
    expect(refusal('second')).to.contain('"ns/second"');
    expect(cache.stats()).to.include({ hits: 1, misses: 2 });
  });

  it('shows its size, bound and hit and miss counts in the metrics', async () => {
    const cache = new CompiledSchemaCache(10);
    cache.get(workflow('a', 'ns', 'string'));
    cache.get(workflow('b', 'ns', 'string'));
    const text = await createMetrics(
      () => [],
      () => cache.stats(),
    ).registry.metrics();
    expect(text).to.contain('workflowrun_webhook_compiled_schemas 1\n');
    expect(text).to.contain('workflowrun_webhook_compiled_schemas_max 10\n');
    expect(text).to.contain('workflowrun_webhook_compiled_schema_lookups_total{result="hit"} 1\n');
    expect(text).to.contain('workflowrun_webhook_compiled_schema_lookups_total{result="miss"} 1\n');
  });
});
