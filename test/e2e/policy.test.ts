// Policy mode end to end, with NO webhook registered: the e2e suite's Workflow gets its policies from
// `kubectl workflowrun policy ... | kubectl apply -f -` on a real kube-apiserver, which then denies the runs the
// webhook's e2e tests see denied, naming the field path, and stores the valid ones.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';
import { parse, stringify } from 'yaml';

import { REPO_ROOT } from '../../local-cluster/tools.ts';
import {
  check,
  loadSamples,
  sampleYaml,
  withCluster,
  type CommandResult,
  type CrdVersion,
} from './harness.ts';

const DIST = join(REPO_ROOT, 'dist');
const UNKNOWN_WORKFLOWS = 'openchoreo-workflowrun.unknown-workflows';
/** How long a new or changed policy may take to be in force (the API server's policy informer). */
const POLICY_SETTLE_MS = 20_000;

function yamlOf(...objects: unknown[]): string {
  return objects.map((object) => `---\n${stringify(object)}`).join('');
}

function workflowRun(name: string, version: CrdVersion, workflow: string, parameters?: unknown): object {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name },
    spec: {
      workflow: {
        // The v1.x CRD defaults a missing kind to ClusterWorkflow; the v0.17 CRD has no kind.
        ...(version === 'v1.x' ? { kind: 'Workflow' } : {}),
        name: workflow,
        ...(parameters === undefined ? {} : { parameters }),
      },
    },
  };
}

function integrationTestsWorkflow(version: CrdVersion, namespace: string): string {
  const file = version === 'v0.17' ? 'integration-tests.yaml' : 'integration-tests-openapi.yaml';
  const text = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'workflows', file), 'utf8');
  return text.replace('namespace: default', `namespace: ${namespace}`);
}

// The invalid runs of test/e2e/webhook.test.ts, each with what the denial must name.
function invalidRuns(version: CrdVersion): { title: string; run: object; fields: string[] }[] {
  return [
    {
      title: 'missing Workflow',
      run: workflowRun('orphan', version, 'no-such-workflow'),
      fields: ['spec.workflow.name: Not found: Workflow "no-such-workflow" in namespace'],
    },
    {
      title: 'several parameter errors at once',
      run: workflowRun('bad-params', version, 'integration-tests', {
        repository: { url: 42, branch: 'main' },
        environment: 'moon',
        testCommand: ['x'],
        typo: 1,
      }),
      fields: [
        'spec.workflow.parameters.repository.url: Invalid value: 42: must be of type string',
        'spec.workflow.parameters.environment: Unsupported value: "moon"',
        'spec.workflow.parameters.testCommand',
        'spec.workflow.parameters.typo: Unknown field',
      ],
    },
    {
      title: 'missing required parameter',
      run: workflowRun('bad-url', version, 'integration-tests', { repository: {} }),
      fields: ['spec.workflow.parameters.repository.url: Required value'],
    },
    {
      title: 'pattern violation',
      run: workflowRun('bad-pattern', version, 'integration-tests', { repository: { url: 'ftp://x' } }),
      fields: [
        'spec.workflow.parameters.repository.url: Invalid value: "ftp://x": must match pattern "^https://"',
      ],
    },
  ];
}

// The bundle must have the policy command: built once per run (a second build replaces the chunks under a running
// suite's feet).
let built = false;
function buildOnce(): void {
  if (built) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'ignore' });
  built = true;
}

for (const version of ['v1.x', 'v0.17'] as const) {
  describe(`policy mode on OpenChoreo ${version} CRDs, no webhook`, function () {
    this.timeout(120_000);
    const e2e = withCluster(version);
    let bin: string;
    let applied: string[] = [];

    before(function () {
      this.timeout(60_000);
      buildOnce();
      bin = mkdtempSync(join(tmpdir(), 'policy-e2e-bin-'));
      symlinkSync(join(DIST, 'kubectl-workflowrun.cjs'), join(bin, 'kubectl-workflowrun'));
    });
    after(() => rmSync(bin, { recursive: true, force: true }));

    // Policies are cluster-wide: remove the ones this test applied, so other suites' runs are not judged by them.
    afterEach(async function () {
      for (const name of applied) {
        await e2e.kubectl([
          'delete',
          'validatingadmissionpolicybinding,validatingadmissionpolicy',
          name,
          '--ignore-not-found',
        ]);
      }
      applied = [];
    });

    function plugin(args: string[]): Promise<CommandResult> {
      return e2e.cluster.kubectl(['workflowrun', ...args, '-n', e2e.namespace], {
        env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
      });
    }

    /**
     * `kubectl workflowrun policy --all | kubectl apply -f -` for this test's Workflows and the named
     * ClusterWorkflows, the unknown-Workflow policy bound to this test's namespace only (other suites share the
     * cluster and their Workflows come and go).
     */
    async function applyPolicies(clusterWorkflows: string[] = []): Promise<void> {
      let printed = await plugin(['policy', '--all']);
      // Right after the CRDs are installed the API server may still answer lists with 429 "storage is
      // (re)initializing"; the plugin, like kubectl get, reports that rather than retrying.
      for (let attempt = 0; attempt < 50 && printed.stderr.includes('(re)initializing'); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        printed = await plugin(['policy', '--all']);
      }
      expect(printed.code, printed.stderr).to.equal(0);
      const objects = printed.stdout
        .split(/^---\n/m)
        .filter((part) => part.trim() !== '')
        .map(
          (part) =>
            parse(part) as { kind: string; metadata: { name: string }; spec: Record<string, unknown> },
        );
      const mine = objects.filter(
        (object) =>
          object.metadata.name === UNKNOWN_WORKFLOWS ||
          object.metadata.name.includes(`.${e2e.namespace}.`) ||
          clusterWorkflows.some((name) => object.metadata.name.endsWith(`.clusterworkflow.${name}`)),
      );
      for (const object of mine) {
        if (
          object.kind === 'ValidatingAdmissionPolicyBinding' &&
          object.metadata.name === UNKNOWN_WORKFLOWS
        ) {
          object.spec.matchResources = {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': e2e.namespace } },
          };
        }
        if (!applied.includes(object.metadata.name)) applied.push(object.metadata.name);
      }
      check(await e2e.kubectl(['apply', '-f', '-'], { input: yamlOf(...mine) }), 'apply policies');
    }

    /** Waits until the API server enforces the policies: a run they deny is denied. */
    async function untilDenied(run: object, words: string): Promise<CommandResult> {
      const deadline = Date.now() + POLICY_SETTLE_MS;
      for (;;) {
        const result = await e2e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: yamlOf(run) });
        if (result.code !== 0 && result.stderr.includes(words)) return result;
        if (Date.now() > deadline)
          throw new Error(
            `not denied with "${words}" after ${POLICY_SETTLE_MS} ms: ${result.stderr || result.stdout}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    async function stored(name: string): Promise<boolean> {
      return (await e2e.kubectl(['get', 'workflowrun', name])).code === 0;
    }

    it('denies every invalid run of the webhook tests with the field path, and stores nothing', async function () {
      check(
        await e2e.kubectl(['apply', '-f', '-'], { input: integrationTestsWorkflow(version, e2e.namespace) }),
        'apply Workflow',
      );
      await applyPolicies();
      const cases = invalidRuns(version);
      await untilDenied(cases[1]!.run, 'denied request');
      await untilDenied(cases[0]!.run, 'Not found');
      for (const { title, run, fields } of cases) {
        const result = await e2e.kubectl(['apply', '-f', '-'], { input: yamlOf(run) });
        expect(result.code, `${title}: ${result.stderr}`).to.equal(1);
        expect(result.stderr, title).to.match(
          /ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request/,
        );
        for (const field of fields) expect(result.stderr, title).to.contain(field);
        expect(await stored((run as { metadata: { name: string } }).metadata.name), title).to.equal(false);
      }
    });

    it('stores valid runs: defaults left out, apply, generateName, server-side apply, a finalizer update', async function () {
      check(
        await e2e.kubectl(['apply', '-f', '-'], { input: integrationTestsWorkflow(version, e2e.namespace) }),
        'apply Workflow',
      );
      await applyPolicies();
      await untilDenied(workflowRun('probe', version, 'integration-tests', {}), 'Required value');
      const valid = workflowRun('flows', version, 'integration-tests', {
        repository: { url: 'https://x.example/r' },
      });
      const full = workflowRun('full', version, 'integration-tests', {
        repository: { url: 'https://x.example/r', branch: 'dev' },
        testCommand: 'make test',
        environment: 'production',
      });
      for (const run of [valid, full]) {
        const result = await e2e.kubectl(['apply', '-f', '-'], { input: yamlOf(run) });
        expect(result.code, result.stderr).to.equal(0);
      }
      expect(await stored('flows')).to.equal(true);
      expect(await stored('full')).to.equal(true);

      const generated = await e2e.kubectl(['create', '-o', 'name', '-f', '-'], {
        input: yamlOf({ ...valid, metadata: { generateName: 'flows-' } }),
      });
      expect(generated.code, generated.stderr).to.equal(0);
      const ssa = await e2e.kubectl(['apply', '--server-side', '-f', '-'], {
        input: yamlOf({ ...valid, metadata: { name: 'flows-ssa' } }),
      });
      expect(ssa.code, ssa.stderr).to.equal(0);

      // An update that leaves spec.workflow alone is not judged again, as with the webhook, even with the
      // Workflow gone; one that changes the parameters is, and the Workflow is unknown by then.
      // The Workflow goes, and with it its policy (what the reconciler or a GitOps prune does).
      check(await e2e.kubectl(['delete', 'workflow', 'integration-tests']), 'delete Workflow');
      const policy = `openchoreo-workflowrun.workflow.${e2e.namespace}.integration-tests`;
      check(
        await e2e.kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', policy]),
        'delete its policy',
      );
      await applyPolicies();
      await untilDenied(workflowRun('late', version, 'integration-tests', {}), 'Not found');
      const finalizer = await e2e.kubectl([
        'patch', 'workflowrun', 'flows', '--type=merge',
        '-p', '{"metadata":{"finalizers":["openchoreo.dev/workflowrun-cleanup"]}}',
      ]); // prettier-ignore
      expect(finalizer.code, finalizer.stderr).to.equal(0);
      const reparam = await e2e.kubectl([
        'patch', 'workflowrun', 'flows', '--type=merge', '-p', '{"spec":{"workflow":{"parameters":{"environment":"production"}}}}',
      ]); // prettier-ignore
      expect(reparam.code).to.equal(1);
      expect(reparam.stderr).to.contain('spec.workflow.name: Not found: Workflow "integration-tests"');
    });

    it("gives the samples' Workflows policies the API server accepts, and stores the samples' runs", async function () {
      const samples = await loadSamples(version);
      const workflows = samples.filter((sample) => sample.kind !== 'WorkflowRun');
      const runs = samples.filter((sample) => sample.kind === 'WorkflowRun');
      for (const workflow of workflows)
        check(
          await e2e.kubectl(['apply', '-f', '-'], { input: sampleYaml(workflow, e2e.namespace) }),
          workflow.name,
        );
      await applyPolicies(
        workflows.filter((sample) => sample.kind === 'ClusterWorkflow').map((sample) => sample.name),
      );
      await untilDenied(workflowRun('probe', version, 'no-such-workflow'), 'Not found');
      expect(runs).to.not.have.length(0);
      for (const run of runs) {
        const result = await e2e.kubectl(['create', '-f', '-'], { input: sampleYaml(run, e2e.namespace) });
        expect(result.code, `${run.name}: ${result.stderr}`).to.equal(0);
      }
    });
  });
}
