// `make node-up` / `make node-down`: the single-node cluster (node.ts), running in the background between commands.
//   up [--crds v1.x|v0.17]   start it and print the KUBECONFIG line
//   down                     stop everything `up` started and remove every trace of it
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { parseCrdVersion } from './openchoreo.ts';
import { isRunning } from './processes.ts';
import { nodePrerequisites, SingleNode, stopNode, type NodeState } from './node.ts';
import { REPO_ROOT } from './tools.ts';

const NODE_DIR = join(REPO_ROOT, '.cache', 'node');

async function readState(): Promise<NodeState | undefined> {
  try {
    return JSON.parse(await readFile(join(NODE_DIR, 'state.json'), 'utf8')) as NodeState;
  } catch {
    return undefined;
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

async function up(crdsFlag: string): Promise<number> {
  const crds = parseCrdVersion(crdsFlag);
  const reason = nodePrerequisites();
  if (reason) {
    console.error(`make node-up: ${reason}`);
    return 1;
  }
  const state = await readState();
  if (state?.processes.every((p) => isRunning(p, state.dir))) {
    console.log('single-node cluster already running');
    console.log(`export KUBECONFIG=${state.kubeconfigPath}`);
    return 0;
  }
  if (state) {
    console.log('cleaning up a single-node cluster that is no longer complete');
    await stopNode(state);
  }
  const started = Date.now();
  console.log(`starting a single-node cluster in ${NODE_DIR}...`);
  const node = await SingleNode.start({ dir: NODE_DIR, crds, detached: true });
  console.log(`node Ready in ${((Date.now() - started) / 1000).toFixed(1)}s, OpenChoreo CRDs ${crds}`);
  for (const image of node.images) {
    console.log(
      `image ${image.name}: ${megabytes(image.sizeBytes)} (${megabytes(image.archiveBytes)} compressed)`,
    );
  }
  console.log(`logs: ${node.logFiles().join(' ')}`);
  console.log(`export KUBECONFIG=${node.kubeconfigPath}`);
  return 0;
}

async function down(): Promise<number> {
  const state = await readState();
  if (!state) {
    console.log('no single-node cluster to stop');
    return 0;
  }
  await stopNode(state);
  console.log(`stopped ${state.processes.map((p) => p.name).join(', ')}; removed ${NODE_DIR}`);
  return 0;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { crds: { type: 'string', default: 'v1.x' } },
});
const commands: Record<string, () => Promise<number>> = { up: () => up(values.crds), down };
const command = commands[positionals[0] ?? ''];
if (!command) {
  console.error('usage: node-cli.ts up [--crds v1.x|v0.17] | down');
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await command();
  } catch (error) {
    console.error(`node ${positionals[0]}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
