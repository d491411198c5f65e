// Hostile input at the admission endpoints: the fixed corpus (test/reliability/corpus) and fast-check properties,
// first against the webhook's own server and handlers in this process (so Object.prototype and the heap can be
// inspected), then against the bundled program in a child process (so a crash or a leak shows as the process's).
import { expect } from 'chai';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { JSONValue } from '../../core/index.ts';
import { CompiledSchemaCache } from '../../webhook/compiled-schemas.ts';
import { admissionContext, type AdmissionRequest, type AdmissionResponse } from '../../webhook/admission.ts';
import { admissionRoutes } from '../../webhook/handlers.ts';
import { StaticWorkflows } from '../../webhook/workflows.ts';
import { corpusWorkflows, webhookBody, webhookCases, type WebhookCase } from './corpus/recipes.ts';
import { chartWebhook } from '../support/chart-values.ts';
import { recordResult } from './results.ts';
import {
  answerProblems,
  prototypeFingerprint,
  residentKiB,
  scratchDirectory,
  scrapeMetrics,
  send,
  startChildWebhook,
  startInProcessWebhook,
  unreachableKubeconfig,
  writeSelfSignedCertificate,
  type ChildWebhook,
  type InProcessWebhook,
} from './support.ts';

// A garbage collector to call between measurements, whether or not node runs with --expose-gc.
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const MiB = 1024 * 1024;
const context = admissionContext();
const cases = webhookCases();
const categories = [...new Set(cases.map((testCase) => testCase.category))];

async function runCase(port: number, testCase: WebhookCase, noInternalErrors: boolean): Promise<string[]> {
  const { body, uid, declareLength } = webhookBody(testCase);
  try {
    const response = await send({
      port,
      method: testCase.method,
      path: testCase.endpoint,
      contentType: testCase.contentType,
      body: testCase.method === 'GET' ? undefined : body,
      declareLength,
      timeoutMs: 30_000,
    });
    return answerProblems(response, { expect: testCase.expect, uid, noInternalErrors }).map(
      (problem) => `${testCase.id}: ${problem}`,
    );
  } catch (error) {
    // The server may close a connection after refusing an oversized body while the rest is still being sent.
    if (testCase.expect === 413 && /EPIPE|ECONNRESET|socket hang up/.test((error as Error).message))
      return [];
    return [`${testCase.id}: ${(error as Error).message}`];
  }
}

// ---- JSON text with hostile keys, built as text so `__proto__` stays a plain key ----

const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'polluted',
  ),
  fc.constantFrom('repository', 'url', 'branch', 'count', 'mode', 'tags', 'nested', 'kind', 'name'),
  fc.string({ maxLength: 8 }),
);
const scalarText = fc.oneof(
  fc.constantFrom(
    'null',
    'true',
    'false',
    '0',
    '-0',
    '1e308',
    '1e309',
    '-1e309',
    '5e-324',
    '9007199254740993',
    '1.5',
  ),
  fc.string({ maxLength: 12, unit: 'binary' }).map((text) => JSON.stringify(text)),
  fc.constantFrom('"https://example.com"', '"fast"', '"thorough"', '"\\ud800"', '"a\\u0000b"'),
);
const { value: jsonText } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(hostileKey, tie('value')), { maxLength: 5 })
      .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`),
  ),
}));
const runText = fc
  .record({
    kind: fc.constantFrom('"Workflow"', '"ClusterWorkflow"', '"Pod"', '5', 'null', '"__proto__"'),
    name: fc.constantFrom(
      '"build"',
      '"other"',
      '"proto-keys"',
      '"missing"',
      '"__proto__"',
      '"constructor"',
      '7',
      '{}',
    ),
    parameters: jsonText,
    metadata: fc.oneof(fc.constant('{"name":"r","namespace":"default"}'), jsonText),
  })
  .map(
    ({ kind, name, parameters, metadata }) =>
      `{"apiVersion":"openchoreo.dev/v1alpha1","kind":"WorkflowRun","metadata":${metadata},"spec":{"workflow":{"kind":${kind},"name":${name},"parameters":${parameters}}}}`,
  );
const requestArbitrary = fc.record({
  uid: fc.string({ minLength: 1, maxLength: 20 }),
  operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
  namespace: fc.constantFrom('default', 'other', ''),
  object: fc.oneof({ weight: 4, arbitrary: runText }, { weight: 1, arbitrary: jsonText }),
  oldObject: fc.option(fc.oneof(runText, jsonText), { nil: undefined }),
  subResource: fc.constantFrom(undefined, '', 'status'),
  dryRun: fc.constantFrom(undefined, true, false),
});

type GeneratedRequest = typeof requestArbitrary extends fc.Arbitrary<infer T> ? T : never;

function requestFrom(generated: GeneratedRequest): AdmissionRequest {
  const request: AdmissionRequest = {
    uid: generated.uid,
    operation: generated.operation as AdmissionRequest['operation'],
    namespace: generated.namespace,
    kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'WorkflowRun' },
    object: JSON.parse(generated.object) as JSONValue,
  };
  if (generated.oldObject !== undefined) request.oldObject = JSON.parse(generated.oldObject) as JSONValue;
  if (generated.subResource !== undefined) request.subResource = generated.subResource;
  if (generated.dryRun !== undefined) request.dryRun = generated.dryRun;
  return request;
}

function checkResponse(response: AdmissionResponse): void {
  expect(response.allowed, 'allowed').to.be.a('boolean');
  if (!response.allowed) {
    expect(response.status?.message, 'denial message').to.be.a('string').and.not.equal('');
    expect(response.status?.code, 'denial code').to.be.a('number');
  }
  if (response.patch !== undefined) {
    const operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as { op: string }[];
    expect(
      operations.every((operation) => operation.op === 'add'),
      'the patch only adds',
    ).to.equal(true);
  }
}

describe('reliability: hostile input at the admission endpoints', function () {
  this.timeout(180_000);
  const directory = scratchDirectory('hostile');
  const certificate = writeSelfSignedCertificate(directory.path, 'hostile');
  let webhook: InProcessWebhook;
  let before_: string;
  const figures = {
    corpusCases: cases.length,
    corpusProblems: 0,
    propertyRuns: 0,
    httpPropertyRuns: 0,
  } as Record<string, unknown>;

  before(async function () {
    before_ = prototypeFingerprint();
    webhook = await startInProcessWebhook({ workflows: corpusWorkflows(), certificate, logLevel: 'warn' });
  });

  after(async function () {
    await webhook?.close();
    directory.remove();
    recordResult('hostile-webhook', figures);
  });

  describe(`the fixed corpus (${cases.length} cases)`, function () {
    for (const category of categories) {
      const inCategory = cases.filter((testCase) => testCase.category === category);
      it(`${category}: ${inCategory.length} cases answered with a well-formed AdmissionReview or a 4xx with a message`, async function () {
        const problems: string[] = [];
        for (const testCase of inCategory) problems.push(...(await runCase(webhook.port, testCase, true)));
        figures.corpusProblems = (figures.corpusProblems as number) + problems.length;
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }

    it('leaves Object.prototype untouched and the server alive', async function () {
      expect(prototypeFingerprint()).to.equal(before_);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      const health = await send({ port: webhook.port, method: 'GET', path: '/healthz' });
      expect(health.status).to.equal(200);
    });
  });

  describe('fast-check properties', function () {
    const routes = admissionRoutes({
      workflows: new StaticWorkflows(corpusWorkflows()),
      compiledWorkflows: new CompiledSchemaCache(),
      unknownParameters: 'deny',
    });

    for (const [path, route] of Object.entries(routes)) {
      it(`${path}: the handler answers any request without throwing, with an add-only patch, prototypes untouched`, async function () {
        const runs = 400;
        await fc.assert(
          fc.asyncProperty(requestArbitrary, async (generated) => {
            const request = requestFrom(generated);
            if (path === '/validate-workflow')
              request.kind = { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'Workflow' };
            checkResponse(await route.handler(request, context));
            expect(prototypeFingerprint()).to.equal(before_);
          }),
          { numRuns: runs, seed: 20260707 },
        );
        figures.propertyRuns = (figures.propertyRuns as number) + runs;
      });
    }

    it('a valid review with random bytes changed, cut or inserted gets a review or a 4xx, never a hang', async function () {
      const base = Buffer.from(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: {
            uid: 'mutant',
            operation: 'CREATE',
            namespace: 'default',
            kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'WorkflowRun' },
            object: {
              apiVersion: 'openchoreo.dev/v1alpha1',
              kind: 'WorkflowRun',
              metadata: { name: 'r', namespace: 'default' },
              spec: {
                workflow: {
                  kind: 'Workflow',
                  name: 'build',
                  parameters: { repository: { url: 'https://x' }, count: 2 },
                },
              },
            },
          },
        }),
      );
      const mutation = fc.array(
        fc.record({
          at: fc.nat({ max: base.length - 1 }),
          kind: fc.constantFrom('flip', 'cut', 'insert', 'delete'),
          byte: fc.integer({ min: 0, max: 255 }),
        }),
        { minLength: 1, maxLength: 4 },
      );
      const runs = 300;
      await fc.assert(
        fc.asyncProperty(
          mutation,
          fc.constantFrom('/validate-workflowrun', '/mutate-workflowrun', '/validate-workflow'),
          async (changes, path) => {
            let body = Buffer.from(base);
            for (const change of changes) {
              const at = Math.min(change.at, Math.max(body.length - 1, 0));
              if (change.kind === 'flip') body[at] = change.byte;
              else if (change.kind === 'cut') body = body.subarray(0, at);
              else if (change.kind === 'insert')
                body = Buffer.concat([body.subarray(0, at), Buffer.from([change.byte]), body.subarray(at)]);
              else body = Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
            }
            const response = await send({ port: webhook.port, path, body, timeoutMs: 10_000 });
            const problems = answerProblems(response, { expect: 'review-or-4xx', noInternalErrors: true });
            expect(
              problems,
              `${problems.join('; ')}\nbody: ${body.toString('latin1').slice(0, 300)}`,
            ).to.deep.equal([]);
          },
        ),
        { numRuns: runs, seed: 7 },
      );
      figures.httpPropertyRuns = runs;
      expect(prototypeFingerprint()).to.equal(before_);
    });
  });

  describe('memory across the run', function () {
    it('heap and RSS do not grow across 3000 hostile requests after a warm-up', async function () {
      const small = cases.filter((testCase) => !('recipe' in testCase.body));
      const round = async (count: number) => {
        for (let i = 0; i < count; i++) await runCase(webhook.port, small[i % small.length]!, false);
      };
      await round(600);
      collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed;
      const rssBefore = process.memoryUsage().rss;
      await round(3000);
      collectGarbage();
      const heapAfter = process.memoryUsage().heapUsed;
      const rssAfter = process.memoryUsage().rss;
      figures.inProcessHeapGrowthMiB = Number(((heapAfter - heapBefore) / MiB).toFixed(2));
      figures.inProcessRssGrowthMiB = Number(((rssAfter - rssBefore) / MiB).toFixed(2));
      figures.inProcessMemoryRequests = 3000;
      // Generous: the test process also holds mocha, the corpus and TLS session state. A leak of even 10 KiB per
      // request would show as 30 MiB.
      expect(heapAfter - heapBefore, 'heap growth').to.be.below(24 * MiB);
      expect(rssAfter - rssBefore, 'RSS growth').to.be.below(64 * MiB);
    });
  });
});

const ROUNDS = 6;

describe('reliability: hostile input at the webhook program (child process)', function () {
  this.timeout(240_000);
  const directory = scratchDirectory('hostile-child');
  const certificate = writeSelfSignedCertificate(directory.path, 'hostile-child');
  let child: ChildWebhook | undefined;

  after(async function () {
    await child?.kill();
    directory.remove();
  });

  it('answers the whole corpus six times under a 128 MiB heap limit, stays alive, and its heap settles', async function () {
    // No API server: a run's Workflow lookup fails and is answered as an error review, which is well-formed too.
    // The small heap limit makes V8 collect eagerly, so the heap figures show what is retained, and a leak would
    // end the process instead of hiding in a lazily grown heap.
    child = await startChildWebhook({
      certFile: certificate.certFile,
      keyFile: certificate.keyFile,
      kubeconfig: unreachableKubeconfig(directory.path),
      extraArgs: ['--log-level=warn'],
      nodeArgs: ['--max-old-space-size=128'],
    });
    const problems: string[] = [];
    const rssKiB: number[] = [];
    const heapKiB: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const testCase of cases) problems.push(...(await runCase(child.port, testCase, false)));
      const metrics = await scrapeMetrics(child.port);
      rssKiB.push(residentKiB(child.pid));
      heapKiB.push(
        Math.round((metrics.get('workflowrun_webhook_nodejs_heap_size_used_bytes') ?? Number.NaN) / 1024),
      );
    }
    expect(problems, problems.join('\n')).to.deep.equal([]);
    const health = await send({ port: child.port, method: 'GET', path: '/healthz' });
    expect(health.status).to.equal(200);
    const settledHeap = Math.max(heapKiB[1]!, heapKiB[2]!);
    const lastHeap = Math.max(...heapKiB.slice(-2));
    recordResult('hostile-webhook', {
      childCorpusRequests: cases.length * ROUNDS,
      childRssKiBAfterRounds: rssKiB,
      childHeapUsedKiBAfterRounds: heapKiB,
      childStderrLines: child.stderr().split('\n').filter(Boolean).length,
    });
    // Rounds one and two warm up (the large bodies grow the heap to its working size); the last two must not hold
    // much more: a leak of even 1 KiB per request would add 360 KiB per round on top of the noise.
    expect(lastHeap, `heap used after each round (KiB): ${heapKiB.join(', ')}`).to.be.below(
      settledHeap * 1.5,
    );
    // RSS is not the leak signal: after warm-up it follows the allocator (freed large bodies stay mapped for a
    // while, and by how much varies from machine to machine: a 1.3x-of-round-two bound failed CI at 1.33x while the
    // heap was flat). What a user needs from it is that the pod is never OOM-killed at the chart's limit.
    const chartLimitKiB = chartWebhook().memoryLimit.bytes / 1024;
    for (const [round, rss] of rssKiB.entries()) {
      expect(
        rss,
        `RSS after round ${round + 1} (KiB): ${rssKiB.join(', ')}; chart limit ${chartLimitKiB}`,
      ).to.be.below(chartLimitKiB);
    }
    expect(child.stderr(), 'nothing on stderr').to.equal('');
  });
});
