// The plugin's real KubeClient (kube-client.ts, on @kubernetes/client-node) against a miniature API server: the
// requests it sends, the server's own messages reaching the user unchanged, one-line connection and kubeconfig
// errors, and the kubeconfig rules (context namespace, --context, KUBECONFIG).
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createKubeClient } from '../../../kubectl-plugin/kube-client.ts';
import { apiErrorCode, type KubeClient, type WatchEvent } from '../../../kubectl-plugin/kube.ts';
import { FakeApiServer, status } from '../../support/fake-apiserver.ts';

const RUN = {
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'WorkflowRun',
  metadata: { name: 'build-1', namespace: 'team-a' },
  spec: { workflow: { kind: 'ClusterWorkflow', name: 'docker' } },
};

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('plugin KubeClient on @kubernetes/client-node', function () {
  this.timeout(10_000);
  let api: FakeApiServer;
  let kube: KubeClient;

  beforeEach(async () => {
    api = await new FakeApiServer().start();
    kube = createKubeClient({ kubeconfig: api.kubeconfig({ namespace: 'team-a' }) });
  });
  afterEach(async () => {
    await api.dispose();
  });

  it('gets a namespaced object with the kubeconfig token and its own User-Agent', async () => {
    api.put('workflowruns', RUN);
    const run = await kube.get({ plural: 'workflowruns', namespace: 'team-a', name: 'build-1' });
    expect(run.metadata).to.include({ name: 'build-1', resourceVersion: '101' });
    const call = api.calls.at(-1)!;
    expect(call.path).to.equal('/apis/openchoreo.dev/v1alpha1/namespaces/team-a/workflowruns/build-1');
    expect(call.headers.authorization).to.equal('Bearer secret-token');
    expect(call.headers['user-agent']).to.equal('kubectl-workflowrun');
  });

  it('gets a cluster-scoped object without a namespace in the path', async () => {
    api.put('clusterworkflows', { kind: 'ClusterWorkflow', metadata: { name: 'docker' }, spec: {} });
    const workflow = await kube.get({ plural: 'clusterworkflows', name: 'docker' });
    expect(workflow.kind).to.equal('ClusterWorkflow');
    expect(api.calls.at(-1)!.path).to.equal('/apis/openchoreo.dev/v1alpha1/clusterworkflows/docker');
  });

  it("reports a 404 with the server's own message and code", async () => {
    const error = await rejection(kube.get({ plural: 'workflowruns', namespace: 'team-a', name: 'ghost' }));
    expect(error.name).to.equal('KubeApiError');
    expect(error.message).to.equal('workflowruns.openchoreo.dev "ghost" not found');
    expect(apiErrorCode(error)).to.equal(404);
  });

  it('creates with dryRun=All only when asked, sending the body as given', async () => {
    const dry = await kube.create({ plural: 'workflowruns', namespace: 'team-a', body: RUN, dryRun: true });
    expect(dry.metadata).to.include({ name: 'build-1' });
    expect(api.calls.at(-1)!.query.get('dryRun')).to.equal('All');
    expect(api.calls.at(-1)!.body).to.deep.equal(RUN);
    await kube.create({ plural: 'workflowruns', namespace: 'team-a', body: RUN });
    expect(api.calls.at(-1)!.method).to.equal('POST');
    expect(api.calls.at(-1)!.query.has('dryRun')).to.equal(false);
    expect(api.calls.at(-1)!.path).to.equal('/apis/openchoreo.dev/v1alpha1/namespaces/team-a/workflowruns');
  });

  it("passes a webhook's denial through verbatim, every line of it", async () => {
    const denial =
      'admission webhook "vworkflowrun.openchoreo.dev" denied the request: \n' +
      '  spec.parameters.repository.url: Required value\n' +
      '  spec.parameters.mode: Unsupported value: "fast"';
    api.denyCreate = status(400, 'BadRequest', denial);
    const error = await rejection(kube.create({ plural: 'workflowruns', namespace: 'team-a', body: RUN }));
    expect(error.name).to.equal('KubeApiError');
    expect(error.message).to.equal(denial);
    expect(apiErrorCode(error)).to.equal(400);
  });

  it('lists in one namespace or across all, with selectors and the list resourceVersion', async () => {
    api.put('workflowruns', RUN);
    api.put('workflowruns', { ...RUN, metadata: { name: 'build-2', namespace: 'team-b' } });
    const one = await kube.list({ plural: 'workflowruns', namespace: 'team-a', labelSelector: 'a=b' });
    expect(one.items.map((item) => (item.metadata as { name: string }).name)).to.deep.equal(['build-1']);
    expect(one.resourceVersion).to.equal('102');
    expect(api.calls.at(-1)!.query.get('labelSelector')).to.equal('a=b');
    const all = await kube.list({ plural: 'workflowruns' });
    expect(all.items).to.have.length(2);
    expect(api.calls.at(-1)!.path).to.equal('/apis/openchoreo.dev/v1alpha1/workflowruns');
  });

  it('asks for a page with limit and continue, and returns the next token the server gives', async () => {
    api.put('workflowruns', RUN);
    const page = await kube.list({
      plural: 'workflowruns',
      namespace: 'team-a',
      limit: 2,
      continue: 'token-1',
    });
    expect(page.items).to.have.length(1);
    expect(page).not.to.have.property('continue');
    const { query } = api.calls.at(-1)!;
    expect([query.get('limit'), query.get('continue')]).to.deep.equal(['2', 'token-1']);
  });

  it('watches across all namespaces with a label selector', async () => {
    const stop = new AbortController();
    const watching = (async () => {
      for await (const event of kube.watch({
        plural: 'workflowruns',
        labelSelector: 'a=b',
        signal: stop.signal,
      })) {
        void event;
      }
    })();
    while (api.watching('workflowruns') === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort();
    await watching;
    const call = api.calls.find((c) => c.query.get('watch') === 'true')!;
    expect(call.path).to.equal('/apis/openchoreo.dev/v1alpha1/workflowruns');
    expect(call.query.get('labelSelector')).to.equal('a=b');
  });

  it('discovers the served resources once, and none when the group is not served', async () => {
    expect([...(await kube.resources())].sort()).to.deep.equal([
      'clusterworkflows',
      'workflowruns',
      'workflows',
    ]);
    await kube.resources();
    expect(api.calls.filter((call) => call.path === '/apis/openchoreo.dev/v1alpha1')).to.have.length(1);
    api.served = undefined;
    const fresh = createKubeClient({ kubeconfig: api.kubeconfig() });
    expect((await fresh.resources()).size).to.equal(0);
  });

  it('watches from a resourceVersion until aborted', async () => {
    const first = api.put('workflowruns', RUN);
    const stop = new AbortController();
    const events: WatchEvent[] = [];
    const watching = (async () => {
      for await (const event of kube.watch({
        plural: 'workflowruns',
        namespace: 'team-a',
        fieldSelector: 'metadata.name=build-1',
        resourceVersion: (first.metadata as { resourceVersion: string }).resourceVersion,
        signal: stop.signal,
      })) {
        events.push(event);
        if (events.length === 2) stop.abort();
      }
    })();
    while (api.watching('workflowruns') === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    api.put('workflowruns', { ...RUN, status: { phase: 'Running' } });
    api.put('workflowruns', { ...RUN, status: { phase: 'Done' } });
    await watching;
    expect(events.map((event) => event.type)).to.deep.equal(['MODIFIED', 'MODIFIED']);
    const call = api.calls.find((c) => c.query.get('watch') === 'true')!;
    expect(call.query.get('fieldSelector')).to.equal('metadata.name=build-1');
    expect(call.query.get('resourceVersion')).to.equal('101');
  });

  it('ends a watch the server closes, and reports a 410 as an ERROR event', async () => {
    api.compactedBefore = 150;
    const events: WatchEvent[] = [];
    for await (const event of kube.watch({
      plural: 'workflowruns',
      namespace: 'team-a',
      resourceVersion: '120',
      signal: new AbortController().signal,
    })) {
      events.push(event);
    }
    expect(events.map((event) => event.type)).to.deep.equal(['ERROR']);
  });

  it('says "You must be logged in" for a 401, whose body client-node drops', async () => {
    api.failAll = 401;
    const error = await rejection(kube.list({ plural: 'workflowruns', namespace: 'team-a' }));
    expect(error.message).to.equal('You must be logged in to the server (Unauthorized)');
    expect(apiErrorCode(error)).to.equal(401);
  });

  it('reports an unreachable server in one line', async () => {
    const port = await closedPort();
    const kubeconfig = api.kubeconfig({ name: 'down' });
    writeFileSync(kubeconfig, readFileSync(kubeconfig, 'utf8').replace(api.url, `http://127.0.0.1:${port}`));
    const down = createKubeClient({ kubeconfig });
    const error = await rejection(down.list({ plural: 'workflowruns', namespace: 'team-a' }));
    expect(error.name).to.equal('KubeConnectionError');
    expect(error.message).to.equal(
      `cannot reach the Kubernetes API server at http://127.0.0.1:${port}: connection refused`,
    );
  });
});

describe('plugin kubeconfig loading through client-node', function () {
  this.timeout(10_000);
  let api: FakeApiServer;
  let dir: string;
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };

  beforeEach(async () => {
    api = await new FakeApiServer().start();
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
  });
  afterEach(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await api.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes the context's namespace as the default, and `default` when it has none", () => {
    expect(
      createKubeClient({ kubeconfig: api.kubeconfig({ namespace: 'team-a' }) }).defaultNamespace,
    ).to.equal('team-a');
    expect(createKubeClient({ kubeconfig: api.kubeconfig() }).defaultNamespace).to.equal('default');
  });

  it('switches context with --context and names an unknown one', () => {
    const kubeconfig = api.kubeconfig({ namespace: 'team-a' });
    const other = createKubeClient({ kubeconfig, context: 'other' });
    expect(other.defaultNamespace).to.equal('other-namespace');
    expect(other.server).to.equal(api.url);
    expect(() => createKubeClient({ kubeconfig, context: 'nope' }))
      .to.throw('context "nope" not found in kubeconfig')
      .with.property('name', 'KubeConnectionError');
  });

  it('reports an unreadable or malformed kubeconfig in one line', () => {
    const missing = join(dir, 'missing');
    expect(() => createKubeClient({ kubeconfig: missing })).to.throw(
      `cannot read kubeconfig ${missing}: no such file`,
    );
    const broken = join(dir, 'broken');
    writeFileSync(broken, 'clusters: [\n  - {name: x\n');
    expect(() => createKubeClient({ kubeconfig: broken }))
      .to.throw(/^kubeconfig .*broken is not valid YAML: [^\n]+$/)
      .with.property('name', 'KubeConnectionError');
  });

  it('merges the files in KUBECONFIG and keeps the first current-context, as kubectl does', () => {
    const first = api.kubeconfig({ namespace: 'team-a', name: 'first' });
    const second = join(dir, 'second');
    writeFileSync(
      second,
      [
        'current-context: elsewhere',
        'contexts: [{name: elsewhere, context: {cluster: fake2, user: u2, namespace: nowhere}}]',
        'clusters: [{name: fake2, cluster: {server: "https://10.0.0.1"}}]',
        'users: [{name: u2, user: {}}]',
      ].join('\n'),
    );
    process.env.KUBECONFIG = `${first}:${second}`;
    const client = createKubeClient({});
    expect(client.defaultNamespace).to.equal('team-a');
    expect(createKubeClient({ context: 'elsewhere' }).server).to.equal('https://10.0.0.1');
  });

  it('says so when there is no configuration at all, instead of trying localhost:8080', () => {
    delete process.env.KUBECONFIG;
    process.env.HOME = dir;
    expect(() => createKubeClient({})).to.throw(
      'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG or create ~/.kube/config',
    );
  });
});
