// Renders the chart with the real helm binary (installed by `make tools`) and parses the manifests, for the chart's
// unit and end-to-end tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const chartDir = `${repoRoot}charts/workflowrun-webhook`;
export const helmBin = `${repoRoot}.cache/bin/helm`;

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read rendered objects by path, untyped */
/** A rendered Kubernetes object. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: any };
  [k: string]: any;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[], env: NodeJS.ProcessEnv = {}): HelmResult {
  if (!existsSync(helmBin)) throw new Error(`${helmBin} is missing: run "make tools" first`);
  const result = spawnSync(helmBin, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((obj): obj is K8sObject => obj !== null);
}

export const RELEASE = 'wr';
export const NAMESPACE = 'wr-system';

/** `helm template` of the chart; throws with helm's message when rendering fails. */
export function renderChart(args: string[] = []): K8sObject[] {
  const result = helm(['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...args]);
  if (result.status !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

/** The message of a `helm template` that must fail. */
export function renderError(args: string[]): string {
  const result = helm(['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...args]);
  if (result.status === 0)
    throw new Error(`helm template ${args.join(' ')} rendered, but it should have failed`);
  return result.stderr;
}

export function findObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found)
    throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => o.kind).join(', ')}`);
  return found;
}

export function kinds(objects: K8sObject[]): string[] {
  return objects.map((o) => o.kind).sort();
}
