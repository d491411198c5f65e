// OpenChoreo's CRDs and sample Workflows and runs, as this project writes them (local-cluster/openchoreo/), installed
// the way a user would: with kubectl. The CRDs state the same facts as OpenChoreo's own; test/fidelity/ checks that.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

import type { Cluster } from './controlplane.ts';
import { check, REPO_ROOT } from './tools.ts';

export type CrdVersion = 'v1.x' | 'v0.17';
export const CRD_VERSIONS: readonly CrdVersion[] = ['v1.x', 'v0.17'];

// crds/<version>/ and samples/<version>/ for each of CRD_VERSIONS.
export const OPENCHOREO_DIR = join(REPO_ROOT, 'local-cluster', 'openchoreo');

// The kinds this project handles; OpenChoreo's own samples also hold Components and Argo templates, which are skipped.
export const WORKFLOW_KINDS = new Set(['Workflow', 'ClusterWorkflow', 'WorkflowRun']);

export function parseCrdVersion(value: string): CrdVersion {
  if ((CRD_VERSIONS as readonly string[]).includes(value)) return value as CrdVersion;
  throw new Error(`unknown CRD version "${value}": expected one of ${CRD_VERSIONS.join(', ')}`);
}

export function crdDir(version: CrdVersion): string {
  return join(OPENCHOREO_DIR, 'crds', version);
}

export function samplesDir(version: CrdVersion): string {
  return join(OPENCHOREO_DIR, 'samples', version);
}

// Applies the version's CRDs and waits until the API server serves them.
export async function installCrds(cluster: Cluster, version: CrdVersion): Promise<void> {
  const dir = crdDir(version);
  // Server-side apply: no last-applied annotation, which large CRDs can push past the annotation size limit.
  check(await cluster.kubectl(['apply', '--server-side', '-f', dir]), `installing the ${version} CRDs`);
  check(
    await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', dir]),
    `waiting for the ${version} CRDs to be Established`,
  );
}

export interface SampleDocument {
  file: string;
  kind: string;
  name: string;
  object: Record<string, unknown>;
}

// The Workflow, ClusterWorkflow and WorkflowRun documents of the version's samples, in file order.
export function loadSamples(version: CrdVersion): Promise<SampleDocument[]> {
  return loadSampleFiles(samplesDir(version));
}

// The same for any folder of YAML files (the fidelity test reads OpenChoreo's own samples with it).
export async function loadSampleFiles(dir: string): Promise<SampleDocument[]> {
  const files = (await readdir(dir)).filter((file) => /\.ya?ml$/.test(file)).sort();
  const samples: SampleDocument[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const object = document.toJS() as Record<string, unknown> | null;
      const kind = object?.kind;
      if (!object || typeof kind !== 'string' || !WORKFLOW_KINDS.has(kind)) continue;
      const metadata = object.metadata as { name?: string } | undefined;
      samples.push({ file, kind, name: metadata?.name ?? '', object });
    }
  }
  return samples;
}

// One sample as YAML for `kubectl apply -f -`, moved into `namespace` when it is namespaced.
export function sampleYaml(sample: SampleDocument, namespace?: string): string {
  const object = structuredClone(sample.object);
  if (namespace && sample.kind !== 'ClusterWorkflow') {
    object.metadata = { ...(object.metadata as object), namespace };
  }
  return stringify(object);
}

// Applies the version's samples: workflows before the runs that reference them.
export async function applySamples(
  cluster: Cluster,
  version: CrdVersion,
  namespace?: string,
): Promise<string[]> {
  const samples = await loadSamples(version);
  const ordered = [
    ...samples.filter((s) => s.kind !== 'WorkflowRun'),
    ...samples.filter((s) => s.kind === 'WorkflowRun'),
  ];
  const input = ordered.map((sample) => `---\n${sampleYaml(sample, namespace)}`).join('');
  const output = check(
    await cluster.kubectl(['apply', '-f', '-'], { input }),
    `applying the ${version} samples`,
  );
  return output.trim().split('\n');
}
