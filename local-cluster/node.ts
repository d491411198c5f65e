// A real single-node cluster: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a kubelet built from
// the same Kubernetes module, with Debian's containerd, runc and CNI plugins, all inside a network namespace this
// code creates (node-config.ts has the network plan). Images are built here (images.ts) and imported into
// containerd; nothing is pulled. Needs root.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ControlPlane } from './controlplane.ts';
import {
  buildImages,
  missingImageTools,
  onPath,
  PAUSE_IMAGE,
  WEBHOOK_IMAGE,
  type BuiltImages,
} from './images.ts';
import {
  cidrsOverlap,
  cniConfig,
  containerdConfig,
  controllerManagerArgs,
  kubeletArgs,
  kubeletConfig,
  MACHINE_PATHS,
  nodeApiserverArgs,
  NODE_NAME,
  NODE_NETWORK,
  nodePaths,
  schedulerArgs,
} from './node-config.ts';
import { installCrds, type CrdVersion } from './openchoreo.ts';
import {
  isRunning,
  pidAlive,
  sleep,
  startProcess,
  stopProcess,
  tailFile,
  waitUntil,
  type ProcessRecord,
} from './processes.ts';
import { BIN_DIR, check, run } from './tools.ts';

export interface NodeOptions {
  dir: string;
  crds: CrdVersion;
  // Processes keep running after this Node process exits (make node-up).
  detached?: boolean;
}

// Written to <dir>/state.json: enough for another process (make node-down) to stop everything.
export interface NodeState {
  dir: string;
  kubeconfigPath: string;
  server: string;
  // In start order; stopped in reverse.
  processes: ProcessRecord[];
  // MACHINE_PATHS that did not exist before the node started, removed on stop.
  createdPaths: string[];
  images: { name: string; sizeBytes: number; archiveBytes: number }[];
  crds: CrdVersion;
  // The process that started the node; for one started detached (make node-up) it is gone at once.
  ownerPid: number;
}

const NODE_BINARIES = ['kubelet', 'kube-controller-manager', 'kube-scheduler', 'kube-apiserver', 'etcd'];
const DEBIAN_TOOLS = { containerd: 'containerd', runc: 'runc', ctr: 'containerd', nsenter: 'util-linux' };
const READY_TIMEOUT_MS = 180_000;

// Why this machine cannot run the node, in one line, or undefined when it can.
export function nodePrerequisites(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'the single-node cluster needs root (network namespaces, mounts, cgroups)';
  const missing = Object.entries(DEBIAN_TOOLS).filter(([tool]) => !onPath(tool));
  if (!existsSync('/usr/lib/cni/bridge')) missing.push(['bridge', 'containernetworking-plugins']);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    return `the single-node cluster needs Debian's ${packages} (apt-get install ${packages})`;
  }
  const imageTools = missingImageTools();
  if (imageTools) return `the single-node cluster's images cannot be built: ${imageTools}`;
  const binaries = NODE_BINARIES.filter((name) => !existsSync(join(BIN_DIR, name)));
  if (binaries.length > 0) return `${binaries.join(', ')} not built: run \`make node-tools\``;
  return undefined;
}

function ip(args: string[]): Promise<string> {
  return run('ip', args).then((result) => check(result, `ip ${args.join(' ')}`));
}

// The plan's addresses must be unused here, so that no traffic of ours can reach anything else.
async function checkAddressesUnused(): Promise<void> {
  const routes = JSON.parse(await ip(['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst?: string }[];
  const addresses = JSON.parse(await ip(['-j', '-4', 'addr'])) as {
    addr_info?: { local?: string; prefixlen?: number }[];
  }[];
  const used = [
    ...routes.map((route) => route.dst).filter((dst): dst is string => !!dst && /^\d/.test(dst)),
    ...addresses.flatMap((link) => (link.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`)),
  ].map((cidr) => (cidr.includes('/') ? cidr : `${cidr}/32`));
  const clash = used.find(
    (cidr) => !cidr.startsWith('127.') && cidrsOverlap(cidr, NODE_NETWORK.reservedRange),
  );
  if (clash) {
    throw new Error(`this machine already uses ${clash}, inside the node's ${NODE_NETWORK.reservedRange}`);
  }
}

// Nothing may be running or left there already: what start() creates, stopNode() removes.
async function checkMachineFree(): Promise<void> {
  const net = NODE_NETWORK;
  if ((await kubepodsCgroups()).length > 0) {
    throw new Error('kubepods cgroups exist already: another kubelet runs on this machine');
  }
  if (existsSync(`/run/netns/${net.namespace}`)) {
    throw new Error(
      `network namespace ${net.namespace} exists already: another single-node cluster runs (\`make node-down\` stops the one \`make node-up\` started)`,
    );
  }
  await checkAddressesUnused();
}

async function createNetwork(): Promise<void> {
  const net = NODE_NETWORK;
  await ip(['netns', 'add', net.namespace]);
  const inside = (args: string[]) => ip(['-n', net.namespace, ...args]);
  await inside(['link', 'set', 'lo', 'up']);
  await inside(['addr', 'add', `${net.kubernetesServiceIp}/32`, 'dev', 'lo']);
  await ip([
    'link',
    'add',
    net.hostLink,
    'type',
    'veth',
    'peer',
    'name',
    net.nodeLink,
    'netns',
    net.namespace,
  ]);
  await ip(['addr', 'add', `${net.hostAddress}/30`, 'dev', net.hostLink]);
  await ip(['link', 'set', net.hostLink, 'up']);
  await inside(['addr', 'add', `${net.nodeAddress}/30`, 'dev', net.nodeLink]);
  await inside(['link', 'set', net.nodeLink, 'up']);
}

// The kubelet's cgroups: one per controller hierarchy with cgroup v1, a single one with v2.
async function kubepodsCgroups(): Promise<string[]> {
  const controllers = await readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  return ['/sys/fs/cgroup/kubepods', ...controllers.map((c) => join('/sys/fs/cgroup', c, 'kubepods'))].filter(
    (path, index, all) => existsSync(path) && all.indexOf(path) === index,
  );
}

export class SingleNode {
  private constructor(
    readonly plane: ControlPlane,
    private state: NodeState,
  ) {}

  get kubeconfigPath(): string {
    return this.plane.kubeconfigPath;
  }

  get dir(): string {
    return this.state.dir;
  }

  // ctr in containerd's k8s.io namespace, where the kubelet's containers are.
  ctr(args: string[]) {
    return ctr(nodePaths(this.state.dir).containerdSocket, args);
  }

  get images(): NodeState['images'] {
    return this.state.images;
  }

  static async start(options: NodeOptions): Promise<SingleNode> {
    const reason = nodePrerequisites();
    if (reason) throw new Error(reason);
    const { dir } = options;
    const paths = nodePaths(dir);
    if (existsSync(join(dir, 'state.json'))) throw new Error(`${dir} holds a node already`);
    await checkMachineFree();
    await mkdir(dir, { recursive: true });
    // Not removed on exit like a control plane's folder: a test killed half-way leaves containers, mounts and the
    // network namespace, and state.json here is what stopAbandonedNodes needs to remove them.
    const state: NodeState = {
      dir,
      kubeconfigPath: '',
      server: '',
      processes: [],
      createdPaths: MACHINE_PATHS.filter((path) => !existsSync(path)),
      images: [],
      crds: options.crds,
      ownerPid: process.pid,
    };
    const writeState = () => writeFile(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
    try {
      await createNetwork();
      const built = await buildImages(paths.images);
      state.images = [built.pause, built.webhook].map(({ name, sizeBytes, archiveBytes }) => ({
        name,
        sizeBytes,
        archiveBytes,
      }));
      const start = (name: string, binary: string, args: string[]) => {
        const child = startProcess({
          name,
          binary,
          args,
          logPath: join(dir, `${name}.log`),
          detached: options.detached,
          networkNamespace: NODE_NETWORK.namespace,
        });
        state.processes.push({ name, pid: child.pid, binary, logPath: child.logPath });
        return child;
      };
      await startContainerd(dir, start);
      await writeState();
      await importImages(paths.containerdSocket, built);
      const plane = await ControlPlane.start({
        dir: join(dir, 'control-plane'),
        detached: options.detached,
        network: {
          namespace: NODE_NETWORK.namespace,
          address: NODE_NETWORK.nodeAddress,
          apiserverPort: NODE_NETWORK.apiserverPort,
          serviceSubnet: NODE_NETWORK.serviceSubnet,
          servingHosts: [
            NODE_NETWORK.kubernetesServiceIp,
            'kubernetes',
            'kubernetes.default',
            'kubernetes.default.svc',
            'kubernetes.default.svc.cluster.local',
          ],
        },
        apiserverArgs: nodeApiserverArgs(join(dir, 'control-plane', 'pki')),
        labels: { crds: options.crds },
      });
      state.processes.push(...plane.processes());
      state.kubeconfigPath = plane.kubeconfigPath;
      state.server = plane.server;
      await writeState();
      const { pki } = plane;
      start(
        'kube-controller-manager',
        join(BIN_DIR, 'kube-controller-manager'),
        controllerManagerArgs({
          dir,
          kubeconfigPath: plane.kubeconfigPath,
          caPath: pki.ca.certPath,
          serviceAccountKeyPath: pki.serviceAccount.privateKeyPath,
        }),
      );
      start('kube-scheduler', join(BIN_DIR, 'kube-scheduler'), schedulerArgs(plane.kubeconfigPath));
      await mkdir(join(dir, 'kubelet'), { recursive: true });
      await writeFile(paths.kubeletConfig, kubeletConfig(dir, pki.ca.certPath));
      const kubelet = start('kubelet', join(BIN_DIR, 'kubelet'), kubeletArgs(dir, plane.kubeconfigPath));
      await writeState();
      await waitForNode(plane, kubelet.logPath);
      await installCrds(plane, options.crds);
      await writeState();
      return new SingleNode(plane, state);
    } catch (error) {
      await stopNode(state).catch(() => undefined);
      throw error;
    }
  }

  logFiles(): string[] {
    return this.state.processes.map((p) => p.logPath);
  }

  // What the node started and made on the machine, for checking that stop() removed it all.
  footprint(): Pick<NodeState, 'processes' | 'createdPaths'> {
    return { processes: [...this.state.processes], createdPaths: [...this.state.createdPaths] };
  }

  // Stops everything once; later calls do nothing.
  async stop(): Promise<void> {
    this.stopped ??= stopNode(this.state);
    await this.stopped;
  }

  private stopped: Promise<void> | undefined;
}

type Starter = (name: string, binary: string, args: string[]) => { logPath: string; hasExited(): boolean };

async function startContainerd(dir: string, start: Starter): Promise<void> {
  const paths = nodePaths(dir);
  await mkdir(join(dir, 'containerd'), { recursive: true });
  await mkdir(paths.cniConfigDir, { recursive: true });
  await writeFile(paths.containerdConfig, containerdConfig(dir, PAUSE_IMAGE));
  await writeFile(join(paths.cniConfigDir, '10-ocwr-pods.conflist'), JSON.stringify(cniConfig(dir), null, 2));
  const containerd = start('containerd', onPath('containerd') ?? 'containerd', [
    `--config=${paths.containerdConfig}`,
  ]);
  const ready = await waitUntil(
    async () => containerd.hasExited() || (await ctr(paths.containerdSocket, ['version'])).code === 0,
    30_000,
  );
  if (!ready || containerd.hasExited()) {
    throw new Error(
      `containerd did not start; log ${containerd.logPath}:\n${await tailFile(containerd.logPath)}`,
    );
  }
}

function ctr(socket: string, args: string[]) {
  return run('ctr', ['--address', socket, '--namespace', 'k8s.io', ...args], { timeoutMs: 120_000 });
}

async function importImages(socket: string, images: BuiltImages): Promise<void> {
  for (const image of [images.pause, images.webhook]) {
    check(await ctr(socket, ['images', 'import', image.archivePath]), `ctr images import ${image.name}`);
  }
  const names = check(await ctr(socket, ['images', 'ls', '-q']), 'ctr images ls').split('\n');
  for (const name of [PAUSE_IMAGE, WEBHOOK_IMAGE]) {
    if (!names.includes(name))
      throw new Error(`containerd has no image ${name} after import: ${names.join(' ')}`);
  }
}

async function waitForNode(plane: ControlPlane, kubeletLog: string): Promise<void> {
  const ready = await waitUntil(async () => {
    const node = await plane.kubectl([
      'get',
      'node',
      NODE_NAME,
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    // The default ServiceAccount is the controller-manager's sign of life: pods cannot be created without it.
    const account = await plane.kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name']);
    return node.stdout === 'True' && account.code === 0;
  }, READY_TIMEOUT_MS);
  if (!ready) {
    throw new Error(
      `node ${NODE_NAME} not Ready after ${READY_TIMEOUT_MS / 1000}s; kubelet log ${kubeletLog}:\n${await tailFile(kubeletLog)}`,
    );
  }
}

// Stops what `state` records and removes every trace: containers and their shims, processes, mounts under the
// folder, the network namespace (and with it the veth pair and the bridge), the kubepods cgroups, the folder.
export async function stopNode(state: NodeState): Promise<void> {
  const byName = (name: string) => state.processes.filter((p) => p.name === name);
  // The kubelet first, so it does not restart the containers removed next.
  for (const record of byName('kubelet')) await stopProcess(record, state.dir);
  const socket = nodePaths(state.dir).containerdSocket;
  if (byName('containerd').some((record) => isRunning(record, state.dir))) await removeContainers(socket);
  for (const record of [...state.processes].reverse()) {
    if (record.name !== 'kubelet') await stopProcess(record, state.dir);
  }
  await killShims(socket);
  await unmountUnder(state.dir);
  if (existsSync(`/run/netns/${NODE_NETWORK.namespace}`))
    await ip(['netns', 'delete', NODE_NETWORK.namespace]);
  // The host end goes with its peer; this only covers a start that failed between the two.
  await run('ip', ['link', 'delete', NODE_NETWORK.hostLink]);
  // The node refuses to start while any kubepods cgroup exists, so every one there now is its kubelet's.
  for (const cgroup of await kubepodsCgroups()) await removeCgroup(cgroup);
  for (const path of state.createdPaths) {
    // ip makes /run/netns a mount point of its own.
    if (await isMountPoint(path)) await run('umount', [path]);
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
  }
  await rm(state.dir, { recursive: true, force: true, maxRetries: 3 });
}

// Stops the nodes under `parent` (folders named `prefix`...) whose starting process has died without stopping them,
// e.g. a test run killed half-way.
export async function stopAbandonedNodes(parent: string, prefix: string): Promise<string[]> {
  const stopped: string[] = [];
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(parent, name);
    const state = await readFile(join(dir, 'state.json'), 'utf8').then(
      (text) => JSON.parse(text) as NodeState,
      () => undefined,
    );
    if (!state || pidAlive(state.ownerPid)) continue;
    await stopNode(state);
    stopped.push(dir);
  }
  return stopped;
}

async function removeContainers(socket: string): Promise<void> {
  const list = async (what: string) =>
    (await ctr(socket, [what, 'ls', '-q'])).stdout.split('\n').filter((line) => line.trim() !== '');
  for (const id of await list('tasks'))
    await ctr(socket, ['tasks', 'kill', '--all', '--signal', 'SIGKILL', id]);
  for (const id of await list('tasks')) await ctr(socket, ['tasks', 'delete', '--force', id]);
  for (const id of await list('containers')) await ctr(socket, ['containers', 'delete', id]);
}

// containerd-shim-runc-v2 processes started for our socket; they normally exit with their containers.
async function killShims(socket: string): Promise<void> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (argv.includes('containerd-shim') && argv.split('\0').includes(socket)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

async function mountPoints(): Promise<string[]> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((line) => line.split(' ')[4] ?? '');
}

async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).includes(path);
}

async function unmountUnder(dir: string): Promise<void> {
  for (let pass = 0; pass < 5; pass++) {
    const mounts = (await mountPoints())
      .filter((point) => point.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    if (mounts.length === 0) return;
    for (const point of mounts) await run('umount', ['--lazy', point]);
    await sleep(100);
  }
}

// A cgroup folder goes with rmdir once its children are gone and no process is in it.
async function removeCgroup(path: string): Promise<void> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await removeCgroup(join(path, entry.name));
  const removed = await waitUntil(
    () =>
      rmdir(path).then(
        () => true,
        (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
      ),
    10_000,
  );
  if (!removed) throw new Error(`cgroup ${path} still holds processes after 10s`);
}
