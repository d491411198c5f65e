// Policy-mode benchmark (`make bench`): what the ValidatingAdmissionPolicies of 1,000 Workflows cost a
// `kubectl apply` of a WorkflowRun on a real control plane with no webhook, in both layouts: one policy per
// Workflow, and grouped (one per namespace). The API server runs a CEL activation for every policy whose
// namespace selector a run passes, and the run's own Workflow's CEL checks its parameters. The phases go none,
// per-workflow, none, grouped, none, each a median of its applies; each layout is divided by the mean of the
// no-admission phases either side, so a drift of the shared machine cancels out. Target: ratio <= 1.05.
//
//   [POLICY_BENCH_PER_NAMESPACE=N] node --import tsx test/bench/policy.ts     (or `make bench`)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

import {
  groupedWorkflowPolicies,
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
/** Workflows are namespaced (a team's own): 10 per namespace by default, the measured run's among them. */
const WORKFLOWS_PER_NAMESPACE = Number(process.env.POLICY_BENCH_PER_NAMESPACE ?? 10);
const APPLIES_PER_PHASE = 25;
const TARGET_RATIO = 1.05;
const SETTLE_TIMEOUT_MS = 120_000;
const SETTLE_WINDOW_MS = 2000;
/** Settled: below a tenth of a core (clock ticks are 1/100 s). */
const SETTLED_CPU_SHARE = 0.1;

function run(name: string, parameters: object): object {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name, namespace: 'default' },
    spec: { workflow: { kind: 'Workflow', name: 'integration-tests', parameters } },
  };
}

/** The integration-tests Workflow and 999 others like it. */
function workflows(): WorkflowObject[] {
  const template = parse(readFileSync(INTEGRATION_TESTS_WORKFLOW.openapi, 'utf8')) as WorkflowObject;
  const all: WorkflowObject[] = [];
  for (let index = 0; index < WORKFLOWS; index++) {
    const name = index === 0 ? 'integration-tests' : `integration-tests-${index}`;
    const namespace =
      index < WORKFLOWS_PER_NAMESPACE ? 'default' : `team-${Math.floor(index / WORKFLOWS_PER_NAMESPACE)}`;
    all.push({ ...template, metadata: { ...template.metadata, name, namespace } });
  }
  return all;
}

/** Their policies, one per Workflow or grouped per namespace, plus the unknown-Workflow policy. */
function policies(all: WorkflowObject[], layout: 'per-workflow' | 'grouped'): object[] {
  const generated =
    layout === 'grouped'
      ? groupedWorkflowPolicies(all).policies
      : all.map((workflow) => workflowPolicy(workflow));
  return [...generated, unknownWorkflowsPolicy(all)].flatMap(({ policy, binding }) => [policy, binding]);
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
    const all = workflows();
    const layouts = ['per-workflow', 'grouped'] as const;
    const files = new Map<string, string>();
    const generationMs = new Map<string, number>();
    for (const layout of layouts) {
      const started = performance.now();
      const objects = policies(all, layout);
      generationMs.set(layout, performance.now() - started);
      const file = path.join(scratch, `${layout}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
      files.set(layout, file);
    }

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

    // After a thousand policies come or go the API server compiles (or drops) them in the background for a while
    // after the first is in force: the phases start once its CPU use has settled.
    const apiserver = plane.processes().find((record) => record.name === 'kube-apiserver')!;
    const cpuTicks = (): number => {
      const fields = readFileSync(`/proc/${apiserver.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime + stime
    };
    const settled = async (): Promise<void> => {
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const before = cpuTicks();
        await new Promise((resolve) => setTimeout(resolve, SETTLE_WINDOW_MS));
        if ((cpuTicks() - before) / (SETTLE_WINDOW_MS / 10) < SETTLED_CPU_SHARE) return;
      }
    };

    // none, per-workflow, none, grouped, none: each layout is divided by the no-admission phases either side.
    await settled();
    const none = [await timeApplies()];
    const measured = new Map<string, { ms: number; installMs: number }>();
    for (const layout of layouts) {
      const installStart = performance.now();
      check(
        await plane.kubectl(['create', '-f', files.get(layout)!], { timeoutMs: 600_000 }),
        'creating policies',
      );
      await until(true);
      const installMs = performance.now() - installStart;
      await settled();
      measured.set(layout, { ms: await timeApplies(), installMs });
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
      await settled();
      none.push(await timeApplies());
    }
    console.log(
      `policy: kubectl apply of a WorkflowRun, median of ${APPLIES_PER_PHASE}, with the policies of ${WORKFLOWS} Workflows, ${WORKFLOWS_PER_NAMESPACE} per namespace`,
    );
    console.log(`  no admission                 ${none.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
    layouts.forEach((layout, index) => {
      const { ms, installMs } = measured.get(layout)!;
      const plain = (none[index]! + none[index + 1]!) / 2;
      const ratio = ms / plain;
      console.log(
        `  ${`${layout} policies`.padEnd(24)} ${ms.toFixed(0).padStart(5)} ms   ratio ${ratio.toFixed(3)}` +
          ` (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'});` +
          ` generated in ${generationMs.get(layout)!.toFixed(0)} ms, created and in force in ${installMs.toFixed(0)} ms`,
      );
    });
  } finally {
    await plane.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith(path.join('test', 'bench', 'policy.ts'))) await bench();
