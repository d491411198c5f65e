// `make cluster-up` / `make cluster-down`: a control plane that keeps running in the background between commands.
//   up [--crds v1.x|v0.17]   start it (or find the running one) and print the KUBECONFIG line
//   down                     stop exactly the processes `up` started and remove their data
//   status                   say whether it runs
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { ControlPlane, readState, type ControlPlaneState } from './controlplane.ts';
import { installCrds, parseCrdVersion } from './openchoreo.ts';
import { isRunning, pidAlive, stopProcess } from './processes.ts';
import { REPO_ROOT } from './tools.ts';

const CLUSTER_DIR = join(REPO_ROOT, '.cache', 'cluster');
const LOCK_PATH = join(REPO_ROOT, '.cache', 'cluster.lock');

function running(state: ControlPlaneState): boolean {
  return state.processes.length === 2 && state.processes.every((p) => isRunning(p, state.dir));
}

async function stopRecorded(state: ControlPlaneState): Promise<void> {
  // kube-apiserver before etcd, so it does not spend its shutdown retrying a vanished etcd.
  for (const record of [...state.processes].reverse()) await stopProcess(record, state.dir);
}

function printAccess(state: ControlPlaneState): void {
  console.log(`kube-apiserver ${state.server}, OpenChoreo CRDs ${state.labels.crds ?? '?'}`);
  console.log(`logs: ${state.processes.map((p) => p.logPath).join(' ')}`);
  console.log(`export KUBECONFIG=${state.kubeconfigPath}`);
}

async function up(crdsFlag: string): Promise<number> {
  const crds = parseCrdVersion(crdsFlag);
  const state = await readState(CLUSTER_DIR);
  if (state && running(state)) {
    if (state.labels.crds !== crds) {
      console.error(
        `a control plane with CRDs ${state.labels.crds} is already running: run \`make cluster-down\` first`,
      );
      return 1;
    }
    console.log('control plane already running');
    printAccess(state);
    return 0;
  }
  if (state) {
    console.log('cleaning up a control plane that is no longer complete');
    await stopRecorded(state);
  }
  await rm(CLUSTER_DIR, { recursive: true, force: true });
  console.log(`starting etcd and kube-apiserver in ${CLUSTER_DIR}...`);
  const plane = await ControlPlane.start({ dir: CLUSTER_DIR, detached: true, labels: { crds } });
  try {
    await installCrds(plane, crds);
  } catch (error) {
    await plane.stop();
    throw error;
  }
  console.log(`control plane up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  printAccess((await readState(CLUSTER_DIR)) as ControlPlaneState);
  return 0;
}

async function down(): Promise<number> {
  const state = await readState(CLUSTER_DIR);
  if (!state) {
    await rm(CLUSTER_DIR, { recursive: true, force: true });
    console.log('no control plane to stop');
    return 0;
  }
  await stopRecorded(state);
  await rm(CLUSTER_DIR, { recursive: true, force: true });
  console.log(
    `stopped ${state.processes.map((p) => `${p.name} (pid ${p.pid})`).join(' and ')}; removed ${CLUSTER_DIR}`,
  );
  return 0;
}

async function status(): Promise<number> {
  const state = await readState(CLUSTER_DIR);
  if (!state || !running(state)) {
    console.log('not running');
    return 1;
  }
  printAccess(state);
  return 0;
}

// Two `up`s at once must not both start a control plane: hold an exclusive lock file while working.
async function withLock(action: () => Promise<number>): Promise<number> {
  await mkdir(join(REPO_ROOT, '.cache'), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const lock = await open(LOCK_PATH, 'wx');
      await lock.write(String(process.pid));
      await lock.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(LOCK_PATH, 'utf8').catch(() => ''));
      if (!holder || !pidAlive(holder)) {
        await rm(LOCK_PATH, { force: true });
      } else if (attempt >= 600) {
        console.error(`another cluster command (pid ${holder}) holds ${LOCK_PATH}`);
        return 1;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
  try {
    return await action();
  } finally {
    await rm(LOCK_PATH, { force: true });
  }
}

const started = Date.now();
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { crds: { type: 'string', default: 'v1.x' } },
});
const commands: Record<string, () => Promise<number>> = {
  up: () => up(values.crds),
  down,
  status,
};
const command = commands[positionals[0] ?? ''];
if (!command) {
  console.error('usage: cli.ts up [--crds v1.x|v0.17] | down | status');
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await withLock(command);
  } catch (error) {
    console.error(`cluster ${positionals[0]}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
