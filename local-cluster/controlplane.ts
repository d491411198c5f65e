// A real etcd + kube-apiserver on loopback, the way controller-runtime's envtest runs them: free ports,
// generated certificates, RBAC on, an admin kubeconfig. No controller-manager, scheduler or kubelet.
import { request } from 'node:https';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';

import { createCertificateAuthority, createControlPlanePki, issueCertificate } from './certs.ts';
import type { CertificateAuthority, ControlPlanePki, KeyPair } from './certs.ts';
import {
  freePort,
  keepOnExit,
  removeOnExit,
  startProcess,
  stopProcess,
  tailFile,
  waitUntil,
  type ManagedProcess,
  type ProcessRecord,
} from './processes.ts';
import { binary, run, type CommandResult, type RunOptions } from './tools.ts';

// What every cluster the tests use offers, whether we started it or it was given by KUBECONFIG.
export interface Cluster {
  readonly kubeconfigPath: string;
  // The CA that signs webhook serving certs; its PEM is the webhook configurations' caBundle.
  readonly webhookCa: CertificateAuthority;
  kubectl(args: string[], options?: RunOptions): Promise<CommandResult>;
  helm(args: string[], options?: RunOptions): Promise<CommandResult>;
  // A serving cert for a webhook listening on `hosts` (IPs or DNS names), signed by webhookCa.
  issueServingCert(hosts: string[], name?: string): Promise<KeyPair>;
  // Where to look when something went wrong (empty for a cluster we did not start).
  logFiles(): string[];
}

// The part of a control plane written to <dir>/state.json, enough for another process to find and stop it.
export interface ControlPlaneState {
  dir: string;
  kubeconfigPath: string;
  server: string;
  processes: ProcessRecord[];
  labels: Record<string, string>;
}

export interface ControlPlaneOptions {
  // Holds certs, etcd data, logs and state.json. Removed by stop() unless keepDir.
  dir: string;
  kubeconfigPath?: string;
  // Processes keep running after this Node process exits (make cluster-up); otherwise they die with it.
  detached?: boolean;
  // Free-form facts stored in state.json (e.g. which CRDs were installed).
  labels?: Record<string, string>;
  // Log files are copied here before stop() or a failed start() removes `dir`, so they can be read afterwards.
  logArchiveDir?: string;
  // Extra kube-apiserver flags, appended after ours (a later flag wins).
  apiserverArgs?: string[];
  // Runs etcd and kube-apiserver inside a network namespace, as the control plane of a real node (node.ts).
  network?: ControlPlaneNetwork;
}

export interface ControlPlaneNetwork {
  // The `ip netns` name the processes run in.
  namespace: string;
  // The namespace's address that this process reaches: etcd listens there, the apiserver advertises it and the
  // kubeconfig points at it.
  address: string;
  // The apiserver listens on every address of the namespace at this port.
  apiserverPort: number;
  // Names and addresses the apiserver's serving certificate holds besides `address` and loopback.
  servingHosts: string[];
  // The Service IP range; its first address is the kubernetes Service's.
  serviceSubnet: string;
}

const READY_TIMEOUT_MS = 60_000;
const START_ATTEMPTS = 3;

abstract class ToolRunner {
  abstract readonly kubeconfigPath: string;
  // Our own files for this cluster; kubectl's and helm's caches go here too.
  abstract readonly dir: string;

  kubectl(args: string[], options: RunOptions = {}): Promise<CommandResult> {
    return run(binary('kubectl'), args, {
      ...options,
      // kubectl caches discovery under ~/.kube/cache per server address; keep that inside our folder.
      env: { KUBECONFIG: this.kubeconfigPath, KUBECACHEDIR: join(this.dir, 'kube-cache'), ...options.env },
    });
  }

  helm(args: string[], options: RunOptions = {}): Promise<CommandResult> {
    const home = join(this.dir, 'helm');
    return run(binary('helm'), args, {
      ...options,
      env: {
        KUBECONFIG: this.kubeconfigPath,
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
        ...options.env,
      },
    });
  }
}

export class ControlPlane extends ToolRunner implements Cluster {
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly etcdUrl: string;
  // Where etcd listens and the apiserver advertises itself: loopback, or the network namespace's address.
  readonly address: string;
  // Milliseconds from start() to a ready API server with namespace default.
  startupMs = 0;
  private etcd: ManagedProcess | undefined;
  private apiserver: ManagedProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly pki: ControlPlanePki,
    private readonly ports: { etcdClient: number; etcdPeer: number; apiserver: number },
    private readonly options: ControlPlaneOptions,
  ) {
    super();
    this.kubeconfigPath = options.kubeconfigPath ?? join(dir, 'kubeconfig');
    this.address = options.network?.address ?? '127.0.0.1';
    this.server = `https://${this.address}:${ports.apiserver}`;
    this.etcdUrl = `http://${this.address}:${ports.etcdClient}`;
  }

  get webhookCa(): CertificateAuthority {
    return this.pki.ca;
  }

  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const started = Date.now();
    await mkdir(options.dir, { recursive: true });
    if (!options.detached) removeOnExit(options.dir);
    const certDir = join(options.dir, 'pki');
    await mkdir(certDir, { recursive: true });
    const { network } = options;
    const pki = await createControlPlanePki(
      certDir,
      network ? [network.address, ...network.servingHosts] : [],
    );
    let lastError: unknown;
    // A port picked as free can be taken before the process binds it; pick new ones and try again.
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const [etcdClient, etcdPeer, freeApiserverPort] = await Promise.all([
        freePort(),
        freePort(),
        freePort(),
      ]);
      const apiserver = network?.apiserverPort ?? freeApiserverPort;
      const plane = new ControlPlane(options.dir, pki, { etcdClient, etcdPeer, apiserver }, options);
      try {
        await plane.startEtcd();
        await plane.startApiServer();
        await plane.writeKubeconfig();
        await plane.writeState();
        plane.startupMs = Date.now() - started;
        return plane;
      } catch (error) {
        lastError = error;
        await plane.stopProcesses();
        const logs = await Promise.all(plane.logFiles().map((path) => tailFile(path, 50)));
        if (!logs.some((log) => log.includes('address already in use'))) break;
        await rm(join(options.dir, 'etcd'), { recursive: true, force: true });
      }
    }
    if (!options.detached) {
      await archiveLogs(options);
      await rm(options.dir, { recursive: true, force: true });
    }
    throw lastError;
  }

  logFiles(): string[] {
    return logFiles(this.dir);
  }

  processes(): ProcessRecord[] {
    return [this.etcd, this.apiserver]
      .filter((p): p is ManagedProcess => p !== undefined && !p.hasExited())
      .map(({ name, pid, binary, logPath }) => ({ name, pid, binary, logPath }));
  }

  issueServingCert(hosts: string[], name = 'webhook'): Promise<KeyPair> {
    return issueCertificate(this.pki.ca, {
      dir: join(this.dir, 'pki'),
      name,
      subject: `/CN=${name}`,
      usage: 'serverAuth',
      hosts,
    });
  }

  // Starts (or restarts, on the same port and data) etcd and waits for /health.
  async startEtcd(): Promise<void> {
    if (this.etcd && !this.etcd.hasExited()) return;
    const peer = `http://${this.address}:${this.ports.etcdPeer}`;
    this.etcd = startProcess({
      name: 'etcd',
      binary: binary('etcd'),
      logPath: join(this.dir, 'etcd.log'),
      detached: this.options.detached,
      networkNamespace: this.options.network?.namespace,
      args: [
        `--data-dir=${join(this.dir, 'etcd')}`,
        `--listen-client-urls=${this.etcdUrl}`,
        `--advertise-client-urls=${this.etcdUrl}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=default=${peer}`,
        // Throwaway data: durability buys nothing and fsync dominates write latency.
        '--unsafe-no-fsync=true',
        // A single member elects itself after one election timeout; the default 1 s is most of etcd's start-up.
        '--heartbeat-interval=20',
        '--election-timeout=100',
        '--log-level=warn',
      ],
    });
    await this.waitReady(this.etcd, 'etcd /health', async () => {
      const response = await fetch(`${this.etcdUrl}/health`).catch(() => undefined);
      return response?.ok === true && ((await response.json()) as { health?: string }).health === 'true';
    });
  }

  // Starts (or restarts, on the same port) kube-apiserver and waits for /readyz and namespace default.
  async startApiServer(): Promise<void> {
    if (this.apiserver && !this.apiserver.hasExited()) return;
    const { pki } = this;
    const { network } = this.options;
    this.apiserver = startProcess({
      name: 'kube-apiserver',
      binary: binary('kube-apiserver'),
      logPath: join(this.dir, 'kube-apiserver.log'),
      detached: this.options.detached,
      networkNamespace: network?.namespace,
      args: [
        `--etcd-servers=${this.etcdUrl}`,
        `--secure-port=${this.ports.apiserver}`,
        // In a network namespace of its own it also answers at addresses pods use (the kubernetes Service's IP).
        `--bind-address=${network ? '0.0.0.0' : '127.0.0.1'}`,
        `--advertise-address=${this.address}`,
        `--cert-dir=${join(this.dir, 'pki')}`,
        `--tls-cert-file=${pki.apiserver.certPath}`,
        `--tls-private-key-file=${pki.apiserver.keyPath}`,
        `--client-ca-file=${pki.ca.certPath}`,
        `--service-cluster-ip-range=${network?.serviceSubnet ?? '10.0.0.0/24'}`,
        '--authorization-mode=RBAC',
        // Without a node no controller-manager creates default ServiceAccounts, so this plugin would reject every
        // Pod; a node's pods need it for their API tokens.
        ...(network ? [] : ['--disable-admission-plugins=ServiceAccount']),
        `--service-account-issuer=${this.server}`,
        `--service-account-key-file=${pki.serviceAccount.publicKeyPath}`,
        `--service-account-signing-key-file=${pki.serviceAccount.privateKeyPath}`,
        // One apiserver, no Service network: nothing needs the kubernetes Service's endpoints kept up.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        // Request fairness matters under contention from many clients; here it only adds start-up work.
        '--enable-priority-and-fairness=false',
        ...(this.options.apiserverArgs ?? []),
      ],
    });
    await this.waitReady(this.apiserver, 'kube-apiserver /readyz', async () => {
      const [readyz, namespace] = await Promise.all([
        this.get('/readyz'),
        this.get('/api/v1/namespaces/default'),
      ]);
      return readyz === 200 && namespace === 200;
    });
  }

  // Stops kube-apiserver only (etcd and the data stay), e.g. to test how a webhook copes with an outage.
  // SIGTERM by default, so the apiserver shuts down the way it does in a real cluster.
  async stopApiServer(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.apiserver) await stopProcess(this.apiserver, this.dir, { signal });
  }

  async stopEtcd(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.etcd) await stopProcess(this.etcd, this.dir, { signal });
  }

  // Stops both processes and removes the folder (certs, data, logs) unless keepDir.
  async stop(options: { keepDir?: boolean } = {}): Promise<void> {
    // Data that is thrown away needs no graceful shutdown, which costs the apiserver about a second.
    await this.stopProcesses(options.keepDir ? 'SIGTERM' : 'SIGKILL');
    if (options.keepDir) {
      keepOnExit(this.dir);
    } else {
      await archiveLogs(this.options);
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
    }
  }

  private async stopProcesses(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    // The apiserver first, so it does not spend its shutdown retrying a vanished etcd.
    await this.stopApiServer(signal);
    await this.stopEtcd(signal);
  }

  private async waitReady(
    process: ManagedProcess,
    what: string,
    probe: () => Promise<boolean>,
  ): Promise<void> {
    const ready = await waitUntil(async () => process.hasExited() || (await probe()), READY_TIMEOUT_MS);
    if (ready && !process.hasExited()) return;
    const reason = process.hasExited() ? 'the process exited' : `not ready after ${READY_TIMEOUT_MS / 1000}s`;
    const tail = await tailFile(process.logPath);
    throw new Error(`${what}: ${reason}; log ${process.logPath}:\n${tail}`);
  }

  // Status code of an authenticated GET, or 0 when the server does not answer.
  private get(path: string): Promise<number> {
    const { pki } = this;
    return new Promise((resolve) => {
      const req = request(
        `${this.server}${path}`,
        { ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem, timeout: 2_000 },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      req.once('timeout', () => req.destroy());
      req.once('error', () => resolve(0));
      req.end();
    });
  }

  private async writeKubeconfig(): Promise<void> {
    const base64 = (pem: string) => Buffer.from(pem).toString('base64');
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'local',
          cluster: { server: this.server, 'certificate-authority-data': base64(this.pki.ca.certPem) },
        },
      ],
      users: [
        {
          name: 'admin',
          user: {
            'client-certificate-data': base64(this.pki.admin.certPem),
            'client-key-data': base64(this.pki.admin.keyPem),
          },
        },
      ],
      contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin', namespace: 'default' } }],
      'current-context': 'local',
    };
    await writeFile(this.kubeconfigPath, stringify(kubeconfig), { mode: 0o600 });
  }

  async writeState(): Promise<void> {
    const state: ControlPlaneState = {
      dir: this.dir,
      kubeconfigPath: this.kubeconfigPath,
      server: this.server,
      processes: this.processes(),
      labels: this.options.labels ?? {},
    };
    await writeFile(join(this.dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  }
}

function logFiles(dir: string): string[] {
  return [join(dir, 'etcd.log'), join(dir, 'kube-apiserver.log')];
}

async function archiveLogs(options: ControlPlaneOptions): Promise<void> {
  const target = options.logArchiveDir;
  if (!target) return;
  await mkdir(target, { recursive: true });
  await Promise.all(
    logFiles(options.dir).map((path) => copyFile(path, join(target, basename(path))).catch(() => undefined)),
  );
}

export async function readState(dir: string): Promise<ControlPlaneState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as ControlPlaneState;
  } catch {
    return undefined;
  }
}

// A cluster someone else runs (kind, a real cluster), reached through an existing kubeconfig. `dir` holds our
// scratch files: kubectl's discovery cache, helm's home and a CA for webhook certs.
export class ExistingCluster extends ToolRunner implements Cluster {
  private constructor(
    readonly kubeconfigPath: string,
    readonly dir: string,
    readonly webhookCa: CertificateAuthority,
  ) {
    super();
  }

  static async connect(kubeconfigPath: string, scratchDir: string): Promise<ExistingCluster> {
    await mkdir(join(scratchDir, 'pki'), { recursive: true });
    removeOnExit(scratchDir);
    const ca = await createCertificateAuthority(
      join(scratchDir, 'pki'),
      'openchoreo-workflowrun-test-webhook-ca',
    );
    return new ExistingCluster(kubeconfigPath, scratchDir, ca);
  }

  issueServingCert(hosts: string[], name = 'webhook'): Promise<KeyPair> {
    return issueCertificate(this.webhookCa, {
      dir: join(this.dir, 'pki'),
      name,
      subject: `/CN=${name}`,
      usage: 'serverAuth',
      hosts,
    });
  }

  logFiles(): string[] {
    return [];
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
