// Policy against webhook, case by case, on the real kube-apiserver with no webhook: seeded random mutations of the
// samples' valid runs (a value replaced by any JSON value, a key removed or added), each judged by the core as the
// webhook judges it (default, then validate) and by the API server with the generated policies alone. The policy
// must never deny what the webhook accepts; of what the webhook denies it must deny nearly all (what it leaves out
// is listed in each policy's not-enforced annotation). Reproduce a run with POLICY_DIFFERENTIAL_SEED.
import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'yaml';

import { compileWorkflow, prepareRun, workflowPolicy } from '../../core/engine.ts';
import type { JSONObject, JSONValue, WorkflowObject, WorkflowRunObject } from '../../core/index.ts';
import { check, loadSamples, withCluster } from './harness.ts';

const SEED = Number(process.env.POLICY_DIFFERENTIAL_SEED ?? 20261202);
const CASES_PER_RUN = 150;
const BATCH = 50;
/** Share of the webhook's denials the policies must deny too. */
const MIN_DENIAL_COVERAGE = 0.95;

type Mutation =
  | { kind: 'replace'; at: number; value: JSONValue }
  | { kind: 'remove'; at: number }
  | {
      kind: 'add';
      at: number;
      key: string;
      value: JSONValue;
    };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JSONValue>,
  }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.string({ minLength: 1, maxLength: 8 }),
    value: fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<JSONValue>,
  }),
);

/** Every object and the path to it, parameters first. */
function objectsIn(value: JSONValue, out: JSONObject[] = []): JSONObject[] {
  if (Array.isArray(value)) for (const item of value) objectsIn(item, out);
  else if (typeof value === 'object' && value !== null) {
    out.push(value);
    for (const child of Object.values(value)) objectsIn(child, out);
  }
  return out;
}

function mutate(parameters: JSONObject, changes: Mutation[]): JSONObject {
  const copy = structuredClone(parameters);
  for (const change of changes) {
    const targets = objectsIn(copy);
    const target = targets[change.at % targets.length]!;
    const keys = Object.keys(target);
    if (change.kind === 'add') {
      Object.defineProperty(target, change.key, {
        value: change.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (keys.length > 0) {
      const key = keys[change.at % keys.length]!;
      if (change.kind === 'remove') delete target[key];
      else target[key] = change.value;
    }
  }
  return copy;
}

describe('policy against webhook: seeded differential on the real API server (v1.x, no webhook)', function () {
  this.timeout(300_000);
  const e2e = withCluster('v1.x');
  const applied: string[] = [];

  after(async function () {
    for (const name of applied)
      await e2e.kubectl([
        'delete',
        'validatingadmissionpolicybinding,validatingadmissionpolicy',
        name,
        '--ignore-not-found',
      ]);
  });

  it(`agrees with the webhook: no false denial, >= ${MIN_DENIAL_COVERAGE * 100}% of its denials (seed ${SEED})`, async function () {
    const samples = await loadSamples('v1.x');
    const workflows = samples
      .filter((sample) => sample.kind !== 'WorkflowRun')
      .map((sample) => {
        const object = structuredClone(sample.object) as WorkflowObject;
        if (object.kind === 'Workflow') object.metadata = { ...object.metadata, namespace: e2e.namespace };
        return object;
      });
    const runs = samples
      .filter((sample) => sample.kind === 'WorkflowRun')
      .map((sample) => sample.object as WorkflowRunObject);
    for (const workflow of workflows) {
      check(await e2e.kubectl(['apply', '-f', '-'], { input: stringify(workflow) }), 'apply Workflow');
      const { policy, binding } = workflowPolicy(workflow);
      applied.push((policy.metadata as { name: string }).name);
      check(
        await e2e.kubectl(['apply', '-f', '-'], { input: `${stringify(policy)}---\n${stringify(binding)}` }),
        'apply policy',
      );
    }

    // A new policy takes effect once the API server's policy informer has it, a moment after the apply returns:
    // probe each Workflow with a run it must deny (an undeclared parameter) until the policy denies it.
    for (const [index, base] of runs.entries()) {
      const reference = base.spec!.workflow!;
      const probe = `---\n${stringify({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'WorkflowRun',
        metadata: { name: `policy-probe-${index}`, namespace: e2e.namespace },
        spec: { workflow: { ...reference, parameters: { ...reference.parameters, policyProbe: true } } },
      })}`;
      const deadline = Date.now() + 30_000;
      while ((await e2e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: probe })).code === 0) {
        if (Date.now() > deadline)
          throw new Error(`the policy for ${reference.name} is not in force after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    const cases: { name: string; run: WorkflowRunObject; webhookDenies: string[] }[] = [];
    const random = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 3 }), {
      seed: SEED,
      numRuns: CASES_PER_RUN * runs.length,
    });
    runs.forEach((base, runIndex) => {
      const reference = base.spec!.workflow!;
      const workflow = workflows.find(
        (candidate) =>
          candidate.metadata?.name === reference.name &&
          candidate.kind === (reference.kind ?? 'ClusterWorkflow'),
      )!;
      const compiled = compileWorkflow(workflow);
      for (let index = 0; index < CASES_PER_RUN; index++) {
        const changes = random[runIndex * CASES_PER_RUN + index]!;
        const name = `case-${runIndex}-${index}`;
        const run: WorkflowRunObject = {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, namespace: e2e.namespace },
          spec: { workflow: { ...reference, parameters: mutate(reference.parameters ?? {}, changes) } },
        };
        const { errors } = prepareRun(run, workflow, compiled);
        cases.push({ name, run, webhookDenies: errors.map((error) => `${error.field}: ${error.message}`) });
      }
    });

    const admitted = new Set<string>();
    for (let start = 0; start < cases.length; start += BATCH) {
      const batch = cases.slice(start, start + BATCH);
      const result = await e2e.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], {
        input: batch.map(({ run }) => `---\n${stringify(run)}`).join(''),
      });
      for (const line of result.stdout.split('\n')) {
        const match = /^workflowrun\.openchoreo\.dev\/(.+)$/.exec(line.trim());
        if (match) admitted.add(match[1]!);
      }
    }
    const falseDenials = cases.filter(
      ({ name, webhookDenies }) => webhookDenies.length === 0 && !admitted.has(name),
    );
    const denied = cases.filter(({ webhookDenies }) => webhookDenies.length > 0);
    const missed = denied.filter(({ name }) => admitted.has(name));
    const coverage = denied.length === 0 ? 1 : (denied.length - missed.length) / denied.length;
    console.log(
      `      [${cases.length} cases: the webhook denies ${denied.length}, the policies deny ${denied.length - missed.length} of those` +
        ` (${(coverage * 100).toFixed(1)}%), false denials ${falseDenials.length}]`,
    );
    for (const { name, webhookDenies } of missed.slice(0, 10))
      console.log(`      missed ${name}: ${webhookDenies.join('; ')}`);
    expect(
      falseDenials.map(({ name, run }) => `${name}: ${JSON.stringify(run.spec?.workflow?.parameters)}`),
    ).to.deep.equal([]);
    expect(coverage).to.be.at.least(MIN_DENIAL_COVERAGE);
  });
});
