// Policy against Kubernetes' own schema code, case by case, on the real kube-apiserver with no webhook: the
// differential test's generator (test/differential/generators.ts) draws openAPIV3Schema Workflows and runs'
// parameters for them. Each schema the reference (test/reference) accepts is stored as a Workflow with its
// generated policy; each value goes to the API server as a WorkflowRun (server dry run), which only the policies
// judge. The reference judges the same value as the webhook does, default then validate. The policies must never
// deny what the reference accepts; of what it denies they must deny nearly all, and what they miss is listed by
// class: the keyword the policy's not-enforced annotation names for the field, or else the reference's error type.
// Reproduce a run with POLICY_DIFFERENTIAL_SEED.
import { expect } from 'chai';
import fc from 'fast-check';

import { workflowPolicy, type GeneratedPolicy } from '../../core/engine.ts';
import {
  API_VERSION,
  SchemaError,
  type JSONObject,
  type JSONValue,
  type WorkflowObject,
} from '../../core/index.ts';
import { openapiCase } from '../differential/generators.ts';
import { compileOurs, judgeOurs } from '../differential/ours.ts';
import { ReferenceProcess, type ReferenceVerdict } from '../differential/reference.ts';
import { check, withCluster } from './harness.ts';

const SEED = Number(process.env.POLICY_DIFFERENTIAL_SEED ?? 20261202);
/** Schemas drawn; about one in ten is refused by the reference, the rest give 2-5 runs each (about 800). */
const SCHEMAS = 260;
const MIN_CASES = 500;
/** Objects per kubectl call: each is its own request, but one kubectl start serves them all. */
const BATCH = 60;
/** Share of the reference's denials the policies must deny too. */
const MIN_DENIAL_COVERAGE = 0.95;
/** Marks this run's policies and bindings (cluster-scoped, so outliving the test's namespace). */
const RUN_LABEL = 'workflowrun.openchoreo.dev/policy-differential';
const RUN_TEMPLATE = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { generateName: 'run-' },
};

interface Case {
  name: string;
  workflow: StoredWorkflow;
  value: JSONValue;
  reference: ReferenceVerdict;
}

interface StoredWorkflow {
  object: WorkflowObject;
  generated: GeneratedPolicy;
}

/** A List of `items`, so that one kubectl sends them all; kubectl goes on past an item the API server refuses. */
function list(items: JSONObject[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

function chunks<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** kubectl's one error line per refused object, by the object's name. */
function refusals(stderr: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of stderr.split('\n')) {
    const name = /^Error from server.*? "([^"]+)" (?:is (?:invalid|forbidden)|already exists)/.exec(
      line,
    )?.[1];
    if (name) found.set(name, line);
  }
  return found;
}

/** Whether a field of the not-enforced annotation (`[*]` for any index or key) is at or above `path`. */
function coversPath(field: string, path: string): boolean {
  const pattern = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\[\\\*\\\]/g, '\\[[^\\]]*\\]');
  return new RegExp(`^${pattern}(?:$|[.[])`).test(path);
}

/**
 * Why the policy admitted a run the reference denies: an uncovered keyword at an error's field; else, when the
 * webhook's core admits the run as well, that (the policy does as the webhook does); else the reference's errors.
 */
function missedClass({ workflow, value, reference }: Case): string {
  const errors = reference.errors ?? [];
  for (const { path } of errors) {
    const uncovered = workflow.generated.uncovered.find(({ field }) => coversPath(field, path));
    if (uncovered) return `not enforced: ${uncovered.keyword}`;
  }
  const types = [...new Set(errors.map(({ type }) => type))].join(' + ');
  const form = { openapi: workflow.object.spec!.parameters!.openAPIV3Schema as JSONObject };
  const ours = judgeOurs(form, compileOurs(form), value);
  return ours.errors.length === 0 ? `the webhook admits it too (reference ${types})` : `reference ${types}`;
}

describe('policy against the reference: the differential generator on the real API server (v1.x, no webhook)', function () {
  this.timeout(600_000);
  const e2e = withCluster('v1.x');
  let reference: ReferenceProcess;
  /** The test's namespace, which holds its Workflows. */
  let workflowNamespace = 'default';

  before(() => {
    reference = new ReferenceProcess();
  });
  after(async function () {
    await reference.close();
    // Its hundreds of Workflows would outlive it on the shared control plane, and a later suite's webhook with
    // --manage-policies would first write a policy for each of them.
    await e2e.kubectl([
      'delete',
      'workflows.openchoreo.dev',
      '--all',
      '-n',
      workflowNamespace,
      '--ignore-not-found',
    ]);
    await e2e.kubectl([
      'delete',
      'validatingadmissionpolicybinding,validatingadmissionpolicy',
      '-l',
      RUN_LABEL,
      '--ignore-not-found',
    ]);
  });

  async function createAll(items: JSONObject[], what: string): Promise<Map<string, string>> {
    const refused = new Map<string, string>();
    for (const batch of chunks(items)) {
      const result = await e2e.kubectl(['create', '-o', 'name', '-f', '-'], { input: list(batch) });
      const found = refusals(result.stderr);
      if (result.code !== 0 && found.size === 0) check(result, `create ${what}`);
      for (const [name, line] of found) refused.set(name, line);
    }
    return refused;
  }

  /** Marked as this run's, so that `after` finds them. */
  function marked(object: JSONObject): JSONObject {
    const metadata = object.metadata as JSONObject;
    return {
      ...object,
      metadata: { ...metadata, labels: { ...(metadata.labels as JSONObject), [RUN_LABEL]: 'true' } },
    };
  }

  it(`agrees with the reference: no false denial, >= ${MIN_DENIAL_COVERAGE * 100}% of its denials (seed ${SEED})`, async function () {
    const namespace = e2e.namespace;
    workflowNamespace = namespace;
    const drawn = fc.sample(openapiCase(), { seed: SEED, numRuns: SCHEMAS });
    const schemaVerdicts = await reference.judgeAll(drawn.map(({ schema }) => ({ schema })));
    const accepted = drawn
      .map((sample, index) => ({ ...sample, index }))
      .filter(({ index }) => schemaVerdicts[index]!.schemaAccepted);
    const workflowOf = (schema: JSONObject, index: number): WorkflowObject => ({
      apiVersion: API_VERSION,
      kind: 'Workflow',
      metadata: { name: `differential-${index}`, namespace },
      spec: { parameters: { openAPIV3Schema: schema }, runTemplate: RUN_TEMPLATE },
    });

    const workflowsRefused = await createAll(
      accepted.map(({ schema, index }) => workflowOf(schema, index) as JSONObject),
      'Workflows',
    );
    const stored: (StoredWorkflow & { values: JSONValue[]; schema: JSONObject })[] = [];
    const ourRefusals: string[] = [];
    for (const { schema, values, index } of accepted) {
      const object = workflowOf(schema, index);
      if (workflowsRefused.has(object.metadata!.name!)) continue;
      try {
        // The reference allows keys the schema does not declare (the API server would prune them), so the
        // policies do too, as the webhook's --unknown-parameters allow.
        stored.push({
          object,
          generated: workflowPolicy(object, { unknownParameters: 'allow' }),
          values,
          schema,
        });
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        ourRefusals.push(`${object.metadata!.name}: ${error.message}`);
      }
    }
    // Our core and the reference agree on which schemas are valid (test/differential/differential.test.ts).
    expect(ourRefusals, 'schemas the reference accepts and our core refuses').to.deep.equal([]);

    // A policy is in force once the API server's policy and binding informers have it. They see objects in the
    // order they were written, so a sentinel policy written after all the others is in force only after them.
    const sentinel = workflowPolicy(
      workflowOf({ type: 'object', required: ['probe'], properties: { probe: { type: 'string' } } }, SCHEMAS),
    );
    const policiesRefused = await createAll(
      [...stored.map(({ generated }) => generated.policy), sentinel.policy].map(marked),
      'policies',
    );
    expect([...policiesRefused.values()], 'generated policies the API server refuses').to.deep.equal([]);
    await createAll(
      [...stored.map(({ generated }) => generated.binding), sentinel.binding].map(marked),
      'bindings',
    );
    const probe = list([run('policy-probe', `differential-${SCHEMAS}`, {})]);
    const deadline = Date.now() + 60_000;
    while ((await e2e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: probe })).code === 0) {
      if (Date.now() > deadline) throw new Error('the policies are not in force after 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const drafts = stored.flatMap((workflow) =>
      workflow.values.map((value, index) => ({
        name: `${workflow.object.metadata!.name}-${index}`,
        workflow,
        value,
        schema: workflow.schema,
      })),
    );
    const verdicts = await reference.judgeAll(drafts.map(({ schema, value }) => ({ schema, value })));
    const cases: Case[] = drafts.map(({ name, workflow, value }, index) => ({
      name,
      workflow,
      value,
      reference: verdicts[index]!,
    }));
    expect(cases.filter(({ reference }) => reference.failure).map(({ name }) => name)).to.deep.equal([]);
    expect(cases.length).to.be.at.least(MIN_CASES);

    const denials = new Map<string, string>();
    for (const batch of chunks(cases)) {
      const result = await e2e.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], {
        input: list(
          batch.map(({ name, workflow, value }) => run(name, workflow.object.metadata!.name!, value)),
        ),
      });
      for (const [name, line] of refusals(result.stderr)) denials.set(name, line);
      const admitted = result.stdout.split('\n').filter((line) => line.startsWith('workflowrun.')).length;
      expect(admitted + refusals(result.stderr).size, result.stderr).to.equal(batch.length);
    }
    // Only the policies may refuse a run here: the WorkflowRun CRD keeps parameters as they are.
    expect(
      [...denials.values()].filter((line) => !line.includes('ValidatingAdmissionPolicy')),
      'runs refused by something other than a policy',
    ).to.deep.equal([]);

    const referenceDenies = cases.filter(({ reference }) => (reference.errors ?? []).length > 0);
    const falseDenials = cases.filter(
      ({ name, reference }) => (reference.errors ?? []).length === 0 && denials.has(name),
    );
    const missed = referenceDenies.filter(({ name }) => !denials.has(name));
    const coverage = referenceDenies.length === 0 ? 1 : 1 - missed.length / referenceDenies.length;
    const classes = new Map<string, number>();
    for (const miss of missed) {
      const name = missedClass(miss);
      classes.set(name, (classes.get(name) ?? 0) + 1);
    }
    const classText = [...classes]
      .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    console.log(
      `      [${cases.length} cases on ${stored.length} Workflows (of ${SCHEMAS} schemas: ${SCHEMAS - accepted.length} refused by the reference, ${workflowsRefused.size} by the API server as Workflows):` +
        ` the reference denies ${referenceDenies.length}, the policies deny ${referenceDenies.length - missed.length} of those (${(coverage * 100).toFixed(1)}%),` +
        ` false denials ${falseDenials.length}; not covered: ${classText || 'none'}]`,
    );
    expect(
      falseDenials.map(
        ({ name, value, workflow }) =>
          `${name}: schema ${JSON.stringify(workflow.object.spec?.parameters)} value ${JSON.stringify(value)}: ${denials.get(name)}`,
      ),
    ).to.deep.equal([]);
    expect(coverage).to.be.at.least(MIN_DENIAL_COVERAGE);
  });
});

function run(name: string, workflow: string, parameters: JSONValue): JSONObject {
  return {
    apiVersion: API_VERSION,
    kind: 'WorkflowRun',
    metadata: { name },
    spec: { workflow: { kind: 'Workflow', name: workflow, parameters } },
  };
}
