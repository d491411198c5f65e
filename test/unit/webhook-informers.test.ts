// The webhook's Workflow lookup on client-node informers (webhook/informers.ts) against a miniature API server:
// readiness only after the lists, watch events reaching the cache, the direct GET on a miss, ClusterWorkflows only
// when served, and an API server that goes away and comes back (resumed watch, or a relist after 410 Gone).
import { expect } from 'chai';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { InformerWorkflows } from '../../webhook/informers.ts';
import type { JSONObject } from '../../core/index.ts';
import { admissionContext } from '../../webhook/admission.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';

const log = pino({ level: 'silent' });

/** A Workflow as kubectl apply leaves it: the lookup must keep its schema and identity, and nothing else. */
function workflow(name: string, namespace: string, revision = 'a'): JSONObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name,
      namespace,
      uid: `uid-${name}`,
      generation: 2,
      labels: { team: namespace },
      annotations: {
        'openchoreo.dev/display-name': `Workflow ${name}`,
        'kubectl.kubernetes.io/last-applied-configuration': '{"a":"very long text"}',
      },
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
    },
    spec: {
      schema: { parameters: { revision: `string | default=${revision}` } },
      runTemplate: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', spec: { entrypoint: 'main' } },
    },
    status: { conditions: [] },
  };
}

/** What the lookup keeps of `workflow(...)` as stored: not labels, managedFields, other annotations, runTemplate, status. */
function lean(stored: JSONObject): JSONObject {
  const { name, namespace, uid, resourceVersion, generation, annotations } = stored.metadata as JSONObject;
  const displayName = (annotations as JSONObject)['openchoreo.dev/display-name']!;
  return {
    apiVersion: stored.apiVersion!,
    kind: stored.kind!,
    metadata: {
      ...{
        name: name!,
        namespace: namespace!,
        uid: uid!,
        resourceVersion: resourceVersion!,
        generation: generation!,
      },
      annotations: { 'openchoreo.dev/display-name': displayName },
    },
    spec: { schema: (stored.spec as JSONObject).schema! },
  };
}

async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 5000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('webhook Workflow informers on @kubernetes/client-node', function () {
  this.timeout(20_000);
  let api: FakeApiServer;
  let workflows: InformerWorkflows | undefined;
  /** The Workflow every test starts with, as the API server stored it. */
  let stored: JSONObject;

  const start = () => {
    const config = new KubeConfig();
    config.loadFromFile(api.kubeconfig());
    workflows = new InformerWorkflows(config, log);
    return workflows;
  };
  const directGets = () =>
    api.calls.filter((call) => call.method === 'GET' && /\/workflows\/[^/]+$/.test(call.path));

  beforeEach(async () => {
    api = await new FakeApiServer().start();
    stored = api.put('workflows', workflow('docker', 'team-a'));
    api.put('clusterworkflows', { kind: 'ClusterWorkflow', metadata: { name: 'shared' }, spec: {} });
  });
  afterEach(async () => {
    workflows?.stop();
    workflows = undefined;
    await api.dispose();
  });

  it('is ready only once discovery and every list are done, then answers from the cache', async () => {
    const lookup = start();
    expect(lookup.notReady()).to.include('API discovery of openchoreo.dev pending');
    await eventually('ready', () => lookup.notReady().length === 0);
    expect(lookup.states()).to.deep.equal([
      { resource: 'workflows', synced: true, size: 1 },
      { resource: 'clusterworkflows', synced: true, size: 1 },
    ]);
    const found = await lookup.get('Workflow', 'docker', 'team-a');
    expect(found?.metadata?.name).to.equal('docker');
    expect((await lookup.get('ClusterWorkflow', 'shared', undefined))?.kind).to.equal('ClusterWorkflow');
    expect(directGets()).to.deep.equal([]);
    const list = api.calls.find(
      (call) => call.path === '/apis/openchoreo.dev/v1alpha1/workflows' && !call.query.has('watch'),
    );
    expect(list, 'a list across all namespaces').to.not.equal(undefined);
  });

  it('keeps only identity, versions, the display name and the schema of what it lists and what it GETs', async () => {
    const lookup = start();
    await eventually('ready', () => lookup.notReady().length === 0);
    expect(await lookup.get('Workflow', 'docker', 'team-a')).to.deep.equal(lean(stored));
    api.endWatches(); // its event must not arrive first
    const fresh = api.put('workflows', workflow('fresh', 'team-b'));
    expect(await lookup.get('Workflow', 'fresh', 'team-b')).to.deep.equal(lean(fresh));
    expect(directGets(), 'the second came from a direct GET').to.have.length(1);
  });

  it('lists in pages of 100, so a large list is never held whole and its decoded page stays small', async () => {
    for (let index = 0; index < 1200; index++) api.put('workflows', workflow(`many-${index}`, 'team-c'));
    const lookup = start();
    await eventually('ready', () => lookup.notReady().length === 0);
    expect(lookup.states()[0]!.size).to.equal(1201);
    const pages = api.calls.filter((call) => call.path.endsWith('/workflows') && !call.query.has('watch'));
    const expected = Array.from({ length: 13 }, (_, page) => ['100', page === 0 ? null : String(page * 100)]);
    expect(pages.map((call) => [call.query.get('limit'), call.query.get('continue')])).to.deep.equal(
      expected,
    );
  });

  it('follows watch events: a change and a deletion reach the cache', async () => {
    const lookup = start();
    await eventually('ready', () => lookup.notReady().length === 0);
    await eventually('watching', () => api.watching('workflows') === 1);
    const changed = api.put('workflows', workflow('docker', 'team-a', 'b'));
    await eventually('the change is cached', async () => {
      const cached = await lookup.get('Workflow', 'docker', 'team-a');
      return cached?.metadata?.resourceVersion === (changed.metadata as JSONObject).resourceVersion;
    });
    expect(await lookup.get('Workflow', 'docker', 'team-a')).to.deep.equal(lean(changed));
    api.remove('workflows', 'docker', 'team-a');
    await eventually('the deletion is cached', () => lookup.states()[0]!.size === 0);
    expect(await lookup.get('Workflow', 'docker', 'team-a')).to.equal(undefined);
    expect(directGets(), 'a miss asks the server directly').to.have.length(1);
  });

  it('asks the server directly on a miss, so a Workflow applied with its run is found at once', async () => {
    const lookup = start();
    await eventually('ready', () => lookup.notReady().length === 0);
    api.endWatches(); // its event must not arrive first
    api.put('workflows', workflow('fresh', 'team-b'));
    const found = await lookup.get('Workflow', 'fresh', 'team-b');
    expect(found?.metadata?.name).to.equal('fresh');
    expect(await lookup.get('Workflow', 'ghost', 'team-b')).to.equal(undefined);
  });

  it("gives up a direct GET at the review's deadline and says so, rather than waiting on", async () => {
    const lookup = start();
    await eventually('ready', () => lookup.notReady().length === 0);
    api.stallGets = true;
    const started = Date.now();
    let failure: Error | undefined;
    await lookup.get('Workflow', 'late', 'team-b', admissionContext(330)).catch((error: Error) => {
      failure = error;
    });
    expect(failure?.message).to.equal(
      `looking up Workflow "late" failed: no answer before the review's deadline`,
    );
    expect(Date.now() - started).to.be.below(2000);
  });

  it('watches ClusterWorkflows only when their CRD is served (v0.17 CRDs have none)', async () => {
    api.served = ['workflowruns', 'workflows'];
    const lookup = start();
    await eventually('ready', () => lookup.notReady().length === 0);
    expect(lookup.states().map((state) => state.resource)).to.deep.equal(['workflows']);
    api.served = undefined;
    api.remove('clusterworkflows', 'shared');
    expect(await lookup.get('ClusterWorkflow', 'shared', undefined)).to.equal(undefined);
  });

  it('an API server restart: unready while away, the cache still serves, the watch resumes without a relist', async () => {
    const lookup = start();
    await eventually('ready', () => lookup.notReady().length === 0);
    const lists = () =>
      api.calls.filter((call) => call.path.endsWith('/workflows') && !call.query.has('watch')).length;
    const listsBefore = lists();
    await api.stop();
    await eventually('unready', () => lookup.notReady().includes('informer for workflows not synced'));
    expect(
      (await lookup.get('Workflow', 'docker', 'team-a'))?.metadata?.name,
      'served from the cache',
    ).to.equal('docker');
    const lookupError = await lookup.get('Workflow', 'ghost', 'team-a').then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(lookupError).to.match(/^looking up Workflow "ghost" failed: [^\n]+$/);
    api.put('workflows', workflow('while-away', 'team-a'));
    await api.start();
    await eventually('ready again', () => lookup.notReady().length === 0, 15_000);
    await eventually('the missed event is replayed', () => lookup.states()[0]!.size === 2);
    expect(lists(), 'resumed from the last resourceVersion').to.equal(listsBefore);
    expect(lookup.states().every((state) => state.synced)).to.equal(true);
  });

  it('relists when the resourceVersion is gone (410), dropping what was deleted meanwhile', async () => {
    const lookup = start();
    await eventually('ready', () => lookup.notReady().length === 0);
    await api.stop();
    await eventually('unready', () => lookup.notReady().length > 0);
    api.remove('workflows', 'docker', 'team-a');
    api.put('workflows', workflow('newer', 'team-a'));
    api.compactedBefore = Number.MAX_SAFE_INTEGER;
    await api.start();
    await eventually('ready again', () => lookup.notReady().length === 0, 15_000);
    await eventually('relisted', async () => (await lookup.get('Workflow', 'newer', 'team-a')) !== undefined);
    api.compactedBefore = 0;
    await eventually('the deleted Workflow is gone', () => lookup.states()[0]!.size === 1);
  });
});
