// The local control plane itself: OpenChoreo's CRDs and the project's samples through the real kubectl, the status
// subresource the way OpenChoreo's controller writes it, RBAC checks for a service account, and webhook registration.
import { expect } from 'chai';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import {
  check,
  loadSamples,
  registerWebhooks,
  sampleYaml,
  unregisterWebhooks,
  waitForWebhooks,
  withCluster,
  type ClusterContext,
  type CrdVersion,
} from './harness.ts';
import { controllerConditions, statusTime } from './controller-status.ts';
import type { Condition } from '../../core/index.ts';

interface WorkflowRunObject {
  metadata: { name: string; namespace: string; generation: number };
  spec: { workflow: { kind?: string; name: string; parameters?: Record<string, unknown> } };
  status?: { conditions?: Condition[]; startedAt?: string; completedAt?: string };
}

// A Workflow and a run of it, from the same sample set.
const SAMPLES: Record<CrdVersion, { workflow: string; run: string }> = {
  'v1.x': { workflow: 'integration-tests', run: 'integration-test-run-01' },
  'v0.17': { workflow: 'generic-workflow-docker-build', run: 'generic-workflow-run-docker-build-01' },
};

async function sample(version: CrdVersion, kind: string, name: string) {
  const found = (await loadSamples(version)).find((s) => s.kind === kind && s.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the ${version} samples`);
  return found;
}

async function getJson<T>(e2e: ClusterContext, resource: string): Promise<T> {
  return JSON.parse(
    check(await e2e.kubectl(['get', resource, '-o', 'json']), `kubectl get ${resource}`),
  ) as T;
}

for (const version of ['v1.x', 'v0.17'] as const) {
  describe(`control plane with OpenChoreo ${version} CRDs`, function () {
    const e2e = withCluster(version);
    const names = SAMPLES[version];

    async function applySampleRun(): Promise<WorkflowRunObject> {
      const workflow = await sample(version, 'Workflow', names.workflow);
      const run = await sample(version, 'WorkflowRun', names.run);
      const input = `${sampleYaml(workflow, e2e.namespace)}---\n${sampleYaml(run, e2e.namespace)}`;
      const applied = check(await e2e.kubectl(['apply', '-f', '-'], { input }), 'kubectl apply');
      expect(applied).to.include(`workflow.openchoreo.dev/${names.workflow} created`);
      expect(applied).to.include(`workflowrun.openchoreo.dev/${names.run} created`);
      return getJson<WorkflowRunObject>(e2e, `workflowrun/${names.run}`);
    }

    it('applies a sample Workflow and WorkflowRun with kubectl and reads them back', async function () {
      const run = await applySampleRun();
      const original = await sample(version, 'WorkflowRun', names.run);
      expect(run.metadata.namespace).to.equal(e2e.namespace);
      expect(run.spec.workflow.name).to.equal(names.workflow);
      expect(run.spec.workflow.parameters).to.deep.equal(
        (original.object.spec as WorkflowRunObject['spec']).workflow.parameters,
      );
      const workflow = await getJson<{ metadata: { name: string } }>(e2e, `workflow/${names.workflow}`);
      expect(workflow.metadata.name).to.equal(names.workflow);
      const listed = check(
        await e2e.kubectl(['get', 'workflowruns', '-o', 'name']),
        'kubectl get workflowruns',
      );
      expect(listed.trim()).to.equal(`workflowrun.openchoreo.dev/${names.run}`);
    });

    it("patches a WorkflowRun's status through the status subresource with the controller's conditions", async function () {
      const run = await applySampleRun();
      const at = statusTime();
      const status = {
        startedAt: at,
        completedAt: at,
        conditions: controllerConditions(run.metadata.generation, 'succeeded', at),
      };
      check(
        await e2e.kubectl([
          'patch',
          `workflowrun/${names.run}`,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({ status }),
        ]),
        'kubectl patch --subresource=status',
      );
      const patched = await getJson<WorkflowRunObject>(e2e, `workflowrun/${names.run}`);
      expect(patched.status).to.deep.equal(status);
      // A status write does not change the spec, so the generation the conditions observed stays current.
      expect(patched.metadata.generation).to.equal(run.metadata.generation);

      // Through the main resource, status is ignored: only the subresource may write it.
      check(
        await e2e.kubectl([
          'patch',
          `workflowrun/${names.run}`,
          '--type=merge',
          '-p',
          JSON.stringify({ status: { completedAt: null } }),
        ]),
        'kubectl patch',
      );
      expect((await getJson<WorkflowRunObject>(e2e, `workflowrun/${names.run}`)).status).to.deep.equal(
        status,
      );
    });

    if (version === 'v1.x') {
      it("defaults spec.workflow.kind to ClusterWorkflow and keeps it immutable (the CRD's own rules)", async function () {
        // The sample run that names no kind (no webhook is registered here, so its Workflow need not exist).
        const kindless = await sample(version, 'WorkflowRun', 'simple-workflow-run');
        check(
          await e2e.kubectl(['apply', '-f', '-'], { input: sampleYaml(kindless, e2e.namespace) }),
          'apply',
        );
        const run = await getJson<WorkflowRunObject>(e2e, `workflowrun/${kindless.name}`);
        expect(run.spec.workflow.kind).to.equal('ClusterWorkflow');
        const result = await e2e.kubectl([
          'patch',
          `workflowrun/${kindless.name}`,
          '--type=merge',
          '-p',
          JSON.stringify({ spec: { workflow: { kind: 'Workflow' } } }),
        ]);
        expect(result.code).to.not.equal(0);
        expect(result.stderr).to.include('kind is immutable');
      });

      it('answers kubectl auth can-i for a service account exactly as its Role grants', async function () {
        const ns = e2e.namespace;
        const sa = 'run-reader';
        // No controller-manager runs, so nothing creates service accounts or tokens by itself.
        check(await e2e.kubectl(['create', 'serviceaccount', sa]), 'create serviceaccount');
        check(
          await e2e.kubectl([
            'create',
            'role',
            'workflowrun-reader',
            '--verb=get,list,watch',
            '--resource=workflowruns.openchoreo.dev,workflows.openchoreo.dev',
          ]),
          'create role',
        );
        check(
          await e2e.kubectl([
            'create',
            'rolebinding',
            'workflowrun-reader',
            '--role=workflowrun-reader',
            `--serviceaccount=${ns}:${sa}`,
          ]),
          'create rolebinding',
        );
        const as = `--as=system:serviceaccount:${ns}:${sa}`;
        const canI = async (...args: string[]) => {
          const result = await e2e.kubectl(['auth', 'can-i', as, ...args]);
          // can-i exits 0 for yes and 1 for no; anything else is an error, not an answer.
          expect(result.code, result.stderr).to.be.oneOf([0, 1]);
          return result.stdout.trim();
        };
        expect(await canI('get', 'workflowruns.openchoreo.dev')).to.equal('yes');
        expect(await canI('list', 'workflows.openchoreo.dev')).to.equal('yes');
        expect(await canI('create', 'workflowruns.openchoreo.dev')).to.equal('no');
        expect(await canI('patch', 'workflowruns.openchoreo.dev', '--subresource=status')).to.equal('no');
        expect(await canI('get', 'clusterworkflows.openchoreo.dev')).to.equal('no');
        expect(await canI('get', 'workflowruns.openchoreo.dev', '-n', 'default')).to.equal('no');
        expect(await canI('get', 'secrets')).to.equal('no');

        // Impersonation reaches the API server's authorizer, not only can-i's review.
        const denied = await e2e.kubectl(['delete', 'workflowrun', 'anything', as]);
        expect(denied.code).to.equal(1);
        expect(denied.stderr).to.include('forbidden');
        const token = await e2e.kubectl(['create', 'token', sa, '--duration=10m']);
        expect(token.code, token.stderr).to.equal(0);
        expect(token.stdout.split('.')).to.have.length(3);
      });

      it('registers a webhook by URL and caBundle that the API server calls over TLS', async function () {
        this.timeout(60_000);
        // A stand-in for the real webhook: denies every review and records the paths it was called on.
        const cert = await e2e.cluster.issueServingCert(['127.0.0.1'], 'stub-webhook');
        const paths = new Set<string>();
        const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
          let body = '';
          req.on('data', (chunk: Buffer) => (body += chunk.toString()));
          req.on('end', () => {
            paths.add(req.url ?? '');
            const review = JSON.parse(body) as { request: { uid: string } };
            res.setHeader('content-type', 'application/json');
            res.end(
              JSON.stringify({
                apiVersion: 'admission.k8s.io/v1',
                kind: 'AdmissionReview',
                response: {
                  uid: review.request.uid,
                  allowed: false,
                  status: { code: 403, message: 'stub says no' },
                },
              }),
            );
          });
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
          await registerWebhooks(e2e.cluster, { url, caBundle: e2e.cluster.webhookCa.certPem });
          await waitForWebhooks(e2e.cluster);
          const run = await sample(version, 'WorkflowRun', names.run);
          const denied = await e2e.kubectl(['apply', '-f', '-'], { input: sampleYaml(run, e2e.namespace) });
          expect(denied.code).to.equal(1);
          expect(denied.stderr).to.include('stub says no');
          expect([...paths]).to.include.members(['/mutate-workflowrun?timeout=5s']);
        } finally {
          // failurePolicy Fail: a configuration left behind would block every later WorkflowRun write.
          await unregisterWebhooks(e2e.cluster);
          server.close();
        }
      });
    }
  });
}
