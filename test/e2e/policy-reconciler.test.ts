// `workflowrun-webhook --manage-policies` end to end: two replicas of the real program on a real kube-apiserver,
// with the webhook NOT registered, so what admission enforces comes from the policies they keep. One replica
// holds the Lease and writes; a Workflow's policy follows its creation, change and deletion.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

import { REPO_ROOT } from '../../local-cluster/tools.ts';
import { check, withCluster, type CommandResult } from './harness.ts';
import { httpsGet, startWebhook, type RunningWebhook } from './webhook-process.ts';

const OURS = 'app.kubernetes.io/managed-by=openchoreo-workflowrun';
const LEASE = 'openchoreo-workflowrun-policies';
/** Generous: a bound for a shared machine; the figure measured is printed. */
const IN_FORCE_TIMEOUT_MS = 20_000;

function workflowYaml(namespace: string, environments: string[]): string {
  const text = readFileSync(
    join(REPO_ROOT, 'test', 'fixtures', 'workflows', 'integration-tests-openapi.yaml'),
    'utf8',
  );
  return text
    .replace('namespace: default', `namespace: ${namespace}`)
    .replace('enum: [development, staging, production]', `enum: [${environments.join(', ')}]`);
}

function run(name: string, parameters: object): string {
  return stringify({
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name },
    spec: { workflow: { kind: 'Workflow', name: 'integration-tests', parameters } },
  });
}

async function leaderGauge(webhook: RunningWebhook): Promise<number> {
  const { body } = await httpsGet(webhook.port, '/metrics');
  const match = /^workflowrun_webhook_policy_leader (\d+)$/m.exec(body);
  return match ? Number(match[1]) : Number.NaN;
}

describe('webhook --manage-policies (no webhook registered)', function () {
  this.timeout(180_000);
  const e2e = withCluster('v1.x');
  let replicas: RunningWebhook[] = [];

  afterEach(async function () {
    this.timeout(60_000);
    for (const replica of replicas) await replica.stop();
    replicas = [];
    // Policies are cluster-wide: none may outlive this test and judge other suites' runs.
    await e2e.kubectl([
      'delete',
      'validatingadmissionpolicybindings,validatingadmissionpolicies',
      '-l',
      OURS,
    ]);
  });

  function policyLog(): string {
    return replicas
      .flatMap((replica, index) =>
        replica
          .logs()
          .filter((line) => /polic|lease/i.test(String(line.msg)))
          .map((line) => `  [${index}] ${JSON.stringify(line)}`),
      )
      .join('\n');
  }

  async function dryRun(name: string, parameters: object): Promise<CommandResult> {
    return e2e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: run(name, parameters) });
  }

  /** Polls until `ready` holds for the dry-run result; returns how long that took. */
  async function until(
    what: string,
    parameters: object,
    ready: (result: CommandResult) => boolean,
  ): Promise<number> {
    const started = Date.now();
    for (;;) {
      const result = await dryRun('probe', parameters);
      if (ready(result)) return Date.now() - started;
      if (Date.now() - started > IN_FORCE_TIMEOUT_MS)
        throw new Error(
          `${what}: not within ${IN_FORCE_TIMEOUT_MS} ms: ${result.stderr}\nreplicas' policy log:\n${policyLog()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('follows a Workflow created, changed and deleted, with one replica writing', async function () {
    const args = ['--manage-policies', `--policy-lease-namespace=${e2e.namespace}`];
    replicas.push(await startWebhook(e2e.cluster, { args, name: 'replica-a' }));
    replicas.push(await startWebhook(e2e.cluster, { args, name: 'replica-b' }));
    const policy = `openchoreo-workflowrun.workflow.${e2e.namespace}.integration-tests`;
    const denied = (words: string) => (result: CommandResult) =>
      result.code !== 0 &&
      result.stderr.includes('ValidatingAdmissionPolicy') &&
      result.stderr.includes(words);

    // Created: its policy is in force.
    check(
      await e2e.kubectl(['apply', '-f', '-'], {
        input: workflowYaml(e2e.namespace, ['staging', 'production']),
      }),
      'apply',
    );
    const created = await until(
      'policy of a new Workflow',
      { repository: { url: 'ftp://x' } },
      denied('must match pattern'),
    );

    // Changed: a value the new schema allows passes, one it no longer allows is denied.
    check(await e2e.kubectl(['apply', '-f', '-'], { input: workflowYaml(e2e.namespace, ['qa']) }), 'change');
    const changed = await until(
      'policy of a changed Workflow',
      { repository: { url: 'https://x' }, environment: 'qa' },
      (result) => result.code === 0,
    );
    expect(
      (await dryRun('probe', { repository: { url: 'https://x' }, environment: 'staging' })).stderr,
    ).to.contain('spec.workflow.parameters.environment: Unsupported value: "staging"');

    // Exactly one replica holds the Lease and says so in its metrics.
    const holder = JSON.parse(
      check(await e2e.kubectl(['get', 'lease', LEASE, '-o', 'json']), 'get lease'),
    ) as { spec: { holderIdentity: string } };
    expect(holder.spec.holderIdentity).to.be.a('string');
    const gauges = await Promise.all(replicas.map(leaderGauge));
    expect([...gauges].sort()).to.deep.equal([0, 1]);
    const writers = replicas.filter((replica) =>
      replica.logs().some((line) => line.msg === 'policy created'),
    );
    expect(writers).to.have.length(1);

    // Deleted: its policy goes, and its runs are denied as naming an unknown Workflow.
    check(await e2e.kubectl(['delete', 'workflow', 'integration-tests']), 'delete');
    const deleted = await until(
      'policy of a deleted Workflow',
      { repository: { url: 'https://x' } },
      denied('Not found'),
    );
    expect((await e2e.kubectl(['get', 'validatingadmissionpolicy', policy])).code).to.equal(1);

    // The leader leaves: the other replica takes over and keeps the policies in step.
    const leader = replicas[gauges.indexOf(1)]!;
    await leader.stop();
    replicas = replicas.filter((replica) => replica !== leader);
    check(
      await e2e.kubectl(['apply', '-f', '-'], { input: workflowYaml(e2e.namespace, ['staging']) }),
      're-create',
    );
    const takenOver = await until(
      'policy after a failover',
      { repository: { url: 'ftp://x' } },
      denied('must match pattern'),
    );
    expect(await leaderGauge(replicas[0]!)).to.equal(1);
    console.log(
      `      [policy in force after: create ${created} ms, change ${changed} ms, delete ${deleted} ms, failover and create ${takenOver} ms]`,
    );
  });
});
