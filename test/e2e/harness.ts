// End-to-end harness: real etcd + kube-apiserver started lazily, once per CRD version and run, only when a suite
// asks (unit tests in the same mocha run pay nothing); a namespace per test; teardown and a leak check after the
// run, also when tests fail. With E2E_USE_KUBECONFIG=1 and KUBECONFIG set, the given cluster is used instead.
//
//   describe('my feature', function () {
//     const e2e = withCluster('v1.x');
//     it('applies a run', async function () {
//       const { code, stderr } = await e2e.kubectl(['apply', '-f', '-'], { input: yaml });  // in e2e.namespace
//     });
//   });
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

import { ControlPlane, ExistingCluster, type Cluster } from '../../local-cluster/controlplane.ts';
import { crdDir, installCrds, type CrdVersion } from '../../local-cluster/openchoreo.ts';
import {
  exitCleanlyOnSignals,
  isRunning,
  pidAlive,
  type ProcessRecord,
} from '../../local-cluster/processes.ts';
import { BIN_DIR, REPO_ROOT, type CommandResult, type RunOptions } from '../../local-cluster/tools.ts';
import { registerWebhooks, unregisterWebhooks, waitForWebhooks } from '../../local-cluster/webhooks.ts';
import { startWebhook, type RunningWebhook } from './webhook-process.ts';

export type { Cluster } from '../../local-cluster/controlplane.ts';
export type { CrdVersion, SampleDocument } from '../../local-cluster/openchoreo.ts';
export { loadSamples, sampleYaml, samplesDir } from '../../local-cluster/openchoreo.ts';
export type { CommandResult, RunOptions } from '../../local-cluster/tools.ts';
export { check } from '../../local-cluster/tools.ts';
export {
  defaultWebhookProbe,
  registerWebhooks,
  unregisterWebhooks,
  waitForWebhooks,
} from '../../local-cluster/webhooks.ts';
export type { WebhookProbe, WebhookRegistration } from '../../local-cluster/webhooks.ts';

// Starting a control plane takes a few seconds, much more on a busy machine; mocha's default is 10 s.
export const CLUSTER_START_TIMEOUT_MS = 120_000;
// Logs of this run's control planes are copied here when they stop (their temp folders are removed); the next
// run removes them, so only the latest runs' logs stay.
const LOG_ARCHIVE_ROOT = join(REPO_ROOT, '.cache', 'e2e-logs');
export const LOG_ARCHIVE_DIR = join(LOG_ARCHIVE_ROOT, `run-${process.pid}`);

const RUN_PREFIX = `ocwr-e2e-${process.pid}-`;
const RUN_PREFIX_PATTERN = /^ocwr-e2e-(\d+)-/;

export interface E2ECluster extends Cluster {
  readonly crdVersion: CrdVersion;
  // True for a cluster given by KUBECONFIG (E2E_USE_KUBECONFIG=1), false for one this run started.
  readonly reused: boolean;
  // Creates a namespace named after `hint` plus a random suffix; returns its name.
  createNamespace(hint: string): Promise<string>;
  deleteNamespace(name: string): Promise<void>;
}

interface Started {
  version: CrdVersion;
  cluster: E2ECluster;
  plane?: ControlPlane;
  existing?: ExistingCluster;
  // CRDs this run installed into a reused cluster, removed again at teardown.
  installedCrds?: CrdVersion;
}

const clusters = new Map<CrdVersion, Promise<Started>>();
// Versions that suites declared with withCluster() while mocha loaded the files.
const wanted = new Set<CrdVersion>();

function reuseKubeconfig(): string | undefined {
  return process.env.E2E_USE_KUBECONFIG === '1' && process.env.KUBECONFIG
    ? process.env.KUBECONFIG
    : undefined;
}

// The cluster for `version`, started (or connected) on first use. Call it from a `before` hook with
// this.timeout(CLUSTER_START_TIMEOUT_MS), or use withCluster() which does that.
// The first call also starts, in the background, the other versions that suites declared: most of a start is
// waiting (the apiserver's bootstrap polls, and a 2 s pause the apiserver imposes on creates right after a CRD is
// Established), which then overlaps with the tests of the first cluster.
export function useCluster(version: CrdVersion): Promise<E2ECluster> {
  const requested = startOnce(version);
  // Not on a reused cluster: two versions would race to install conflicting CRDs there.
  if (!reuseKubeconfig()) {
    for (const other of wanted) startOnce(other).catch(() => undefined); // reported when its suite asks for it
  }
  return requested.then((started) => started.cluster);
}

function startOnce(version: CrdVersion): Promise<Started> {
  let entry = clusters.get(version);
  if (!entry) {
    entry = start(version);
    clusters.set(version, entry);
  }
  return entry;
}

async function start(version: CrdVersion): Promise<Started> {
  exitCleanlyOnSignals();
  const scratch = await mkdtemp(join(tmpdir(), `${RUN_PREFIX}${version}-`));
  const kubeconfig = reuseKubeconfig();
  if (kubeconfig) {
    const existing = await ExistingCluster.connect(kubeconfig, scratch);
    try {
      const installedCrds = await ensureCrdsOn(existing, version);
      return { version, existing, installedCrds, cluster: decorate(existing, version, true) };
    } catch (error) {
      await existing.close();
      throw error;
    }
  }
  const plane = await ControlPlane.start({
    dir: scratch,
    labels: { crds: version },
    logArchiveDir: join(LOG_ARCHIVE_DIR, version),
  });
  try {
    const crdStart = Date.now();
    await installCrds(plane, version);
    if (process.env.E2E_VERBOSE) {
      const crdMs = Date.now() - crdStart;
      console.log(`      [control plane ${version}: up in ${plane.startupMs} ms, CRDs in ${crdMs} ms]`);
    }
  } catch (error) {
    await plane.stop();
    throw new Error(`${(error as Error).message}\n(control plane logs: ${join(LOG_ARCHIVE_DIR, version)})`, {
      cause: error,
    });
  }
  return { version, plane, cluster: decorate(plane, version, false) };
}

// A reused cluster that cannot serve a suite (it has the other CRD version): the suite is skipped, not failed.
export class ClusterUnsuitable extends Error {
  override name = 'ClusterUnsuitable';
}

// Uses the OpenChoreo CRDs already on a reused cluster when they are the requested version; installs them when
// none are there; refuses to replace a different version, which would break whatever else uses that cluster.
async function ensureCrdsOn(cluster: ExistingCluster, version: CrdVersion): Promise<CrdVersion | undefined> {
  const present = async (name: string) =>
    (await cluster.kubectl(['get', 'crd', name, '-o', 'name'])).code === 0;
  const [runs, clusterWorkflows] = await Promise.all([
    present('workflowruns.openchoreo.dev'),
    present('clusterworkflows.openchoreo.dev'),
  ]);
  if (!runs) {
    await installCrds(cluster, version);
    return version;
  }
  const installed: CrdVersion = clusterWorkflows ? 'v1.x' : 'v0.17';
  if (installed !== version) {
    throw new ClusterUnsuitable(
      `the cluster in KUBECONFIG has OpenChoreo's ${installed} CRDs, not ${version}: skipping the ${version} suites ` +
        `(unset E2E_USE_KUBECONFIG to run them on a local control plane)`,
    );
  }
  return undefined;
}

function decorate(base: ControlPlane | ExistingCluster, crdVersion: CrdVersion, reused: boolean): E2ECluster {
  return Object.assign(base, {
    crdVersion,
    reused,
    async createNamespace(hint: string): Promise<string> {
      const slug = hint
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40);
      const name = `e2e-${slug || 'test'}-${Math.random().toString(36).slice(2, 7)}`.replace(/-+/g, '-');
      const result = await base.kubectl(['create', 'namespace', name]);
      if (result.code !== 0) throw new Error(`creating namespace ${name}: ${result.stderr.trim()}`);
      return name;
    },
    async deleteNamespace(name: string): Promise<void> {
      // Without a controller-manager a deleted namespace stays Terminating: do not wait for it.
      await base.kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
    },
  });
}

export interface ClusterContext {
  readonly cluster: E2ECluster;
  // The current test's own namespace.
  readonly namespace: string;
  // kubectl against the cluster, in the current test's namespace unless args name another (-n / -A).
  kubectl(args: string[], options?: RunOptions): Promise<CommandResult>;
  helm(args: string[], options?: RunOptions): Promise<CommandResult>;
}

// Registers, in the calling describe(): a before hook that brings up the `version` cluster, and per test a fresh
// namespace (deleted afterwards on a reused cluster; a started one is thrown away whole).
export function withCluster(version: CrdVersion): ClusterContext {
  wanted.add(version);
  let cluster: E2ECluster | undefined;
  let namespace: string | undefined;
  before(async function () {
    this.timeout(CLUSTER_START_TIMEOUT_MS);
    try {
      cluster = await useCluster(version);
    } catch (error) {
      if (!(error instanceof ClusterUnsuitable)) throw error;
      console.log(`      (${error.message})`);
      this.skip();
    }
  });
  beforeEach(async function () {
    namespace = await required().createNamespace(this.currentTest?.title ?? 'test');
  });
  afterEach(async function () {
    if (cluster?.reused && namespace) await cluster.deleteNamespace(namespace);
    namespace = undefined;
  });
  function required(): E2ECluster {
    if (!cluster) throw new Error(`the ${version} cluster is not up (its before hook failed or has not run)`);
    return cluster;
  }
  const inNamespace = (args: string[]) =>
    args.some((arg) => /^(-n|--namespace|-A|--all-namespaces)(=|$)/.test(arg)) || !namespace
      ? args
      : ['-n', namespace, ...args];
  return {
    get cluster() {
      return required();
    },
    get namespace() {
      if (!namespace) throw new Error('no namespace outside a test');
      return namespace;
    },
    kubectl: (args, options) => required().kubectl(inNamespace(args), options),
    helm: (args, options) => required().helm(inNamespace(args), options),
  };
}

// Registers, in the calling describe(): the webhook program started and registered with the context's cluster
// before its tests, and removed afterwards so later suites are not blocked by a webhook that is gone (failurePolicy
// Fail).
export function registeredWebhook(
  e2e: ClusterContext,
  args: string[] = [],
): { readonly webhook: RunningWebhook } {
  let webhook: RunningWebhook | undefined;
  before(async function () {
    this.timeout(90_000);
    webhook = await startWebhook(e2e.cluster, { args });
    await registerWebhooks(e2e.cluster, { url: webhook.url, caBundle: e2e.cluster.webhookCa.certPem });
    await waitForWebhooks(e2e.cluster);
  });
  after(async function () {
    this.timeout(30_000);
    await unregisterWebhooks(e2e.cluster).catch(() => undefined);
    if (webhook) expect(await webhook.stop()).to.equal(0);
  });
  return {
    get webhook() {
      if (!webhook) throw new Error('webhook not started');
      return webhook;
    },
  };
}

// Where to read what the API server and etcd said, for failure messages.
export function logLocations(): string[] {
  const lines: string[] = [];
  for (const [version] of clusters) {
    lines.push(
      `${version}: ${join(LOG_ARCHIVE_DIR, version)}/{etcd,kube-apiserver}.log (copied there at the end of the run)`,
    );
  }
  return lines;
}

// Stops everything this run started and checks that nothing is left. Throws (failing the root hook) on a leak.
export async function teardownClusters(): Promise<void> {
  const entries = await Promise.allSettled(clusters.values());
  clusters.clear();
  const problems: string[] = [];
  const stopped: { dirs: string[]; processes: { record: ProcessRecord; dir: string }[] } = {
    dirs: [],
    processes: [],
  };
  for (const entry of entries) {
    if (entry.status === 'rejected') continue; // a failed start already cleaned up after itself
    const { plane, existing, installedCrds } = entry.value;
    try {
      if (plane) {
        stopped.processes.push(...plane.processes().map((record) => ({ record, dir: plane.dir })));
        stopped.dirs.push(plane.dir);
        await plane.stop();
      }
      if (existing) {
        if (installedCrds) {
          await existing.kubectl([
            'delete',
            '--ignore-not-found',
            '--wait=false',
            '-f',
            crdDir(installedCrds),
          ]);
        }
        stopped.dirs.push(existing.dir);
        await existing.close();
      }
    } catch (error) {
      problems.push(`teardown: ${(error as Error).message}`);
    }
  }
  problems.push(...findLeaks(stopped), ...reapDeadRuns());
  pruneLogArchives();
  if (problems.length > 0) {
    throw new Error(`e2e harness: the control plane left things behind:\n  ${problems.join('\n  ')}`);
  }
}

function findLeaks(stopped: {
  dirs: string[];
  processes: { record: ProcessRecord; dir: string }[];
}): string[] {
  const leaks: string[] = [];
  for (const { record, dir } of stopped.processes) {
    if (isRunning(record, dir)) leaks.push(`${record.name} (pid ${record.pid}) is still running`);
  }
  for (const dir of stopped.dirs) if (existsSync(dir)) leaks.push(`${dir} still exists`);
  for (const { pid, argv } of controlPlaneProcesses()) {
    if (argv.some((arg) => arg.includes(RUN_PREFIX)))
      leaks.push(`pid ${pid} (${argv[0]}) still runs from this run`);
  }
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(RUN_PREFIX)) leaks.push(`${join(tmpdir(), name)} still exists`);
  }
  return leaks;
}

// A run that was killed (SIGKILL, OOM) cannot clean up after itself: the next run finds its folders by the
// dead PID in their names, stops their processes, removes them, and reports it.
function reapDeadRuns(): string[] {
  const reports: string[] = [];
  for (const name of readdirSync(tmpdir())) {
    const owner = Number(RUN_PREFIX_PATTERN.exec(name)?.[1]);
    if (!owner || owner === process.pid || pidAlive(owner)) continue;
    const dir = join(tmpdir(), name);
    for (const { pid, argv } of controlPlaneProcesses()) {
      if (!argv.some((arg) => arg.includes(dir))) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      reports.push(`an earlier run (pid ${owner}) left ${argv[0]} (pid ${pid}) running: killed it`);
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    reports.push(`an earlier run (pid ${owner}) left ${dir} behind: removed it`);
  }
  return reports;
}

function pruneLogArchives(): void {
  if (!existsSync(LOG_ARCHIVE_ROOT)) return;
  for (const name of readdirSync(LOG_ARCHIVE_ROOT)) {
    const owner = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (owner && owner !== process.pid && !pidAlive(owner)) {
      rmSync(join(LOG_ARCHIVE_ROOT, name), { recursive: true, force: true });
    }
  }
}

// etcd and kube-apiserver processes started from our binaries, by anyone.
function controlPlaneProcesses(): { pid: number; argv: string[] }[] {
  const binaries = new Set([join(BIN_DIR, 'etcd'), join(BIN_DIR, 'kube-apiserver')]);
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (binaries.has(argv[0] ?? '') && isRunning({ pid: Number(entry), binary: argv[0] ?? '' }, '')) {
        found.push({ pid: Number(entry), argv });
      }
    } catch {
      // exited while we looked
    }
  }
  return found;
}

// Root hooks. Hooks at the top level of a module that a spec file imports belong to mocha's root suite, and a
// module is evaluated once per run, so importing this file from any number of suites registers them once.
// Outside mocha (scripts) the globals do not exist and nothing is registered.
if (typeof after === 'function' && typeof afterEach === 'function') {
  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || clusters.size === 0) return;
    console.error(`      control plane logs: ${logLocations().join('; ')}`);
  });
  after(async function () {
    this.timeout(60_000);
    await teardownClusters();
  });
}
