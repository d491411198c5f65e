// Policy-mode benchmark (`make bench`): what the ValidatingAdmissionPolicies of 1,000 Workflows cost a
// `kubectl apply` of a WorkflowRun on a real control plane with no webhook. Every policy's matchConditions are
// evaluated for every run, and the run's own Workflow's CEL checks its parameters, so this is the worst case of
// policy mode at that scale. The phases go none, policies, none, each a median of its applies, and the policies'
// median is divided by the mean of the two others, so a drift of the shared machine cancels out. Target: with
// policies / without <= 1.05.
//
//   node --import tsx test/bench/policy.ts     (or `make bench`)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

import {
  unknownWorkflowsPolicy,
  workflowPolicy,
  POLICY_MANAGED_BY,
  POLICY_MANAGED_BY_LABEL,
} from '../../core/engine.ts';
import type { WorkflowObject } from '../../core/index.ts';
import { ControlPlane } from '../../local-cluster/controlplane.ts';
import { installCrds } from '../../local-cluster/openchoreo.ts';
import { check } from '../../local-cluster/tools.ts';
import { median } from './median.ts';
import { INTEGRATION_TESTS_WORKFLOW } from './review.ts';

const WORKFLOWS = 1000;
/** Workflows are namespaced (a team's own): 10 per namespace, the measured run's namespace among them. */
const WORKFLOWS_PER_NAMESPACE = 10;
const APPLIES_PER_PHASE = 25;
const TARGET_RATIO = 1.05;
const SETTLE_TIMEOUT_MS = 60_000;

function run(name: string, parameters: object): object {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name, namespace: 'default' },
    spec: { workflow: { kind: 'Workflow', name: 'integration-tests', parameters } },
  };
}

/** The policies of the integration-tests Workflow and of 999 others like it, plus the unknown-Workflow policy. */
function policies(): object[] {
  const template = parse(readFileSync(INTEGRATION_TESTS_WORKFLOW.openapi, 'utf8')) as WorkflowObject;
  const workflows: WorkflowObject[] = [];
  for (let index = 0; index < WORKFLOWS; index++) {
    const name = index === 0 ? 'integration-tests' : `integration-tests-${index}`;
    const namespace =
      index < WORKFLOWS_PER_NAMESPACE ? 'default' : `team-${Math.floor(index / WORKFLOWS_PER_NAMESPACE)}`;
    workflows.push({ ...template, metadata: { ...template.metadata, name, namespace } });
  }
  const objects: object[] = [];
  for (const workflow of workflows) {
    const { policy, binding } = workflowPolicy(workflow);
    objects.push(policy, binding);
  }
  const unknown = unknownWorkflowsPolicy(workflows);
  objects.push(unknown.policy, unknown.binding);
  return objects;
}

export async function bench(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'policy-bench-'));
  const plane = await ControlPlane.start({ dir: path.join(scratch, 'cluster') });
  try {
    await installCrds(plane, 'v1.x');
    check(
      await plane.kubectl(['apply', '-f', INTEGRATION_TESTS_WORKFLOW.openapi]),
      'applying the integration-tests Workflow',
    );
    const policyFile = path.join(scratch, 'policies.json');
    const generationStart = performance.now();
    const objects = policies();
    const generationMs = performance.now() - generationStart;
    writeFileSync(policyFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

    let sequence = 0;
    const timeApplies = async (): Promise<number> => {
      const times: number[] = [];
      for (let index = 0; index < APPLIES_PER_PHASE; index++) {
        const input = JSON.stringify(
          run(`run-${sequence++}`, { repository: { url: 'https://x.example/r' } }),
        );
        const started = performance.now();
        check(await plane.kubectl(['apply', '-f', '-'], { input }), 'kubectl apply');
        times.push(performance.now() - started);
      }
      return median(times);
    };
    // In force once a run they deny is denied; gone once it is admitted again.
    const invalid = JSON.stringify(run('probe', { repository: { url: 'ftp://x' } }));
    const until = async (denied: boolean): Promise<void> => {
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      for (;;) {
        const result = await plane.kubectl(['create', '--dry-run=server', '-f', '-'], { input: invalid });
        if ((result.code !== 0) === denied) return;
        if (Date.now() > deadline)
          throw new Error(`policies not ${denied ? 'in force' : 'gone'}: ${result.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };

    const before = await timeApplies();
    const installStart = performance.now();
    check(await plane.kubectl(['create', '-f', policyFile], { timeoutMs: 600_000 }), 'creating the policies');
    await until(true);
    const installMs = performance.now() - installStart;
    const policed = await timeApplies();
    check(
      await plane.kubectl(
        [
          'delete',
          'validatingadmissionpolicybindings,validatingadmissionpolicies',
          '-l',
          `${POLICY_MANAGED_BY_LABEL}=${POLICY_MANAGED_BY}`,
          '--wait=false',
        ],
        { timeoutMs: 600_000 },
      ),
      'deleting the policies',
    );
    await until(false);
    const after = await timeApplies();
    const plain = (before + after) / 2;
    const ratio = policed / plain;
    console.log(
      `policy: kubectl apply of a WorkflowRun, median of ${APPLIES_PER_PHASE}, with the policies of ${WORKFLOWS} Workflows, ${WORKFLOWS_PER_NAMESPACE} per namespace`,
    );
    console.log(
      `  policies generated in ${generationMs.toFixed(0)} ms, created and in force in ${installMs.toFixed(0)} ms`,
    );
    console.log(
      `  no admission      ${plain.toFixed(0).padStart(5)} ms   (before ${before.toFixed(0)}, after ${after.toFixed(0)})`,
    );
    console.log(
      `  policies only     ${policed.toFixed(0).padStart(5)} ms   ratio ${ratio.toFixed(3)}` +
        ` (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`,
    );
  } finally {
    await plane.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith(path.join('test', 'bench', 'policy.ts'))) await bench();
