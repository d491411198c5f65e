// Fidelity to OpenChoreo itself, where a copy of its CRDs and samples is at hand: ../shared/openchoreo beside the
// repository, or the folder OPENCHOREO_UPSTREAM_DIR names (see README.md here). Two checks:
//  1. our CRDs (local-cluster/openchoreo/crds/) equal OpenChoreo's, descriptions aside, any difference named by path;
//  2. each of OpenChoreo's sample Workflows, ClusterWorkflows and WorkflowRuns gets the verdict recorded below from
//     the real webhook, registered with a real API server.
// Without the folder both are skipped, and one line says why.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

import { ControlPlane } from '../../local-cluster/controlplane.ts';
import {
  CRD_VERSIONS,
  crdDir,
  installCrds,
  loadSampleFiles,
  sampleYaml,
  type CrdVersion,
  type SampleDocument,
} from '../../local-cluster/openchoreo.ts';
import { REPO_ROOT } from '../../local-cluster/tools.ts';
import { registerWebhooks, waitForWebhooks } from '../../local-cluster/webhooks.ts';
import { CLUSTER_START_TIMEOUT_MS } from '../e2e/harness.ts';
import { startWebhook, type RunningWebhook } from '../e2e/webhook-process.ts';
import { comparable, differences } from './crd-differences.ts';

const UPSTREAM_DIR = resolve(REPO_ROOT, process.env.OPENCHOREO_UPSTREAM_DIR ?? '../shared/openchoreo');

type Verdict = 'allowed' | `denied: ${string}`;

// What the webhook answered for each of OpenChoreo's samples when this project still applied them itself (make dev
// did until it switched to the project's own samples): kubectl apply, one document at a time, Workflows first.
// A denial records a part of the message that says why.
const EXPECTED_VERDICTS: Record<CrdVersion, Record<string, Verdict>> = {
  'v1.x': {
    'ClusterWorkflow dockerfile-builder': 'allowed',
    'ClusterWorkflow github-stats-report': 'allowed',
    'ClusterWorkflow scm-github-create-repo': 'allowed',
    'Workflow aws-rds-postgres-create': 'allowed',
    'WorkflowRun scm-github-create-repo-run-01': 'allowed',
    'WorkflowRun greeting-service-build-01': 'allowed',
    // The run gives no kind, so the CRD default applies: a ClusterWorkflow, while its Workflow is namespaced.
    'WorkflowRun aws-rds-postgres-create-run':
      'denied: spec.workflow.name: Not found: ClusterWorkflow "aws-rds-postgres-create"',
    'WorkflowRun github-stats-report-run-01': 'allowed',
  },
  'v0.17': {
    'Workflow docker': 'allowed',
    'Workflow generic-workflow-docker-build': 'allowed',
    'Workflow github-stats-report': 'allowed',
    'WorkflowRun generic-workflow-run-docker-build-01': 'allowed',
    'WorkflowRun github-stats-report-run-01': 'allowed',
  },
};

// Each document of every YAML file in `dir`, by metadata.name.
function documentsByName(dir: string): Map<string, unknown> {
  const byName = new Map<string, unknown>();
  for (const file of readdirSync(dir).filter((name) => /\.ya?ml$/.test(name))) {
    for (const document of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const object = document.toJS() as { metadata?: { name?: string } } | null;
      if (object?.metadata?.name) byName.set(object.metadata.name, object);
    }
  }
  return byName;
}

const sampleKey = (sample: SampleDocument) => `${sample.kind} ${sample.name}`;

// Applies the samples one by one into a fresh control plane, Workflows before runs, and reads off the verdicts.
async function verdictsOf(plane: ControlPlane, samples: SampleDocument[]): Promise<Record<string, Verdict>> {
  const ordered = [
    ...samples.filter((s) => s.kind !== 'WorkflowRun'),
    ...samples.filter((s) => s.kind === 'WorkflowRun'),
  ];
  const verdicts: Record<string, Verdict> = {};
  for (const sample of ordered) {
    const result = await plane.kubectl(['apply', '-f', '-'], { input: sampleYaml(sample) });
    verdicts[sampleKey(sample)] = result.code === 0 ? 'allowed' : `denied: ${result.stderr.trim()}`;
  }
  return verdicts;
}

// A recorded denial matches the webhook's denial that contains its text.
function matches(actual: Verdict | undefined, expected: Verdict): boolean {
  if (actual === undefined) return false;
  if (expected === 'allowed' || actual === 'allowed') return actual === expected;
  return actual.includes('denied the request') && actual.includes(expected.slice('denied: '.length));
}

if (!existsSync(UPSTREAM_DIR)) {
  it.skip(
    `fidelity to OpenChoreo: skipped, ${relative(REPO_ROOT, UPSTREAM_DIR)} does not exist (set OPENCHOREO_UPSTREAM_DIR to a copy of OpenChoreo's CRDs and samples)`,
  );
} else {
  describe(`fidelity: our CRDs equal OpenChoreo's (${UPSTREAM_DIR}), descriptions aside`, () => {
    for (const version of CRD_VERSIONS) {
      const ours = documentsByName(crdDir(version));
      const theirs = documentsByName(join(UPSTREAM_DIR, 'crds', version));

      it(`${version}: the same CRDs`, () => {
        expect([...ours.keys()].sort()).to.deep.equal([...theirs.keys()].sort());
      });

      for (const [name, crd] of theirs) {
        it(`${version}: ${name}`, () => {
          const found = differences(comparable(ours.get(name)), comparable(crd));
          expect(found, `${version} ${name} differs:\n  ${found.join('\n  ')}`).to.deep.equal([]);
        });
      }
    }
  });

  describe("fidelity: OpenChoreo's samples get the recorded verdicts from the webhook", function () {
    const planes = new Map<CrdVersion, ControlPlane>();
    const webhooks: RunningWebhook[] = [];

    // A control plane of its own per version: OpenChoreo's ClusterWorkflows share names with ours, and the other
    // suites' clusters keep ours. The folder prefix is the e2e harness's, so its leak check covers these too.
    before(async function () {
      this.timeout(CLUSTER_START_TIMEOUT_MS);
      await Promise.all(
        CRD_VERSIONS.map(async (version) => {
          const dir = await mkdtemp(join(tmpdir(), `ocwr-e2e-${process.pid}-fidelity-${version}-`));
          const plane = await ControlPlane.start({ dir, labels: { crds: version } });
          planes.set(version, plane);
          await installCrds(plane, version);
          const webhook = await startWebhook(plane, { name: `fidelity-${version}` });
          webhooks.push(webhook);
          await registerWebhooks(plane, { url: webhook.url, caBundle: plane.webhookCa.certPem });
          await waitForWebhooks(plane);
        }),
      );
    });

    after(async function () {
      this.timeout(60_000);
      await Promise.all(webhooks.map((webhook) => webhook.stop()));
      await Promise.all([...planes.values()].map((plane) => plane.stop()));
    });

    for (const version of CRD_VERSIONS) {
      it(`${version}: every sample, as recorded`, async function () {
        this.timeout(60_000);
        const samples = await loadSampleFiles(join(UPSTREAM_DIR, 'samples', version));
        const actual = await verdictsOf(planes.get(version)!, samples);
        const expected = EXPECTED_VERDICTS[version];
        const wrong = Object.keys({ ...expected, ...actual })
          .filter((key) => !(key in expected) || !matches(actual[key], expected[key]!))
          .map(
            (key) =>
              `${key}: recorded ${expected[key] ?? '(nothing)'}, got ${actual[key] ?? '(no such sample)'}`,
          );
        expect(wrong, wrong.join('\n')).to.deep.equal([]);
      });
    }
  });
}
