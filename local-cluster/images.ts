// The images the single-node cluster runs, built on this machine with buildah because no registry can be reached:
//   - a base image: scratch plus this machine's Node 20 binary and the shared libraries it links (see ldd);
//   - the pod sandbox ("pause") image: scratch plus a static busybox that sleeps until killed;
//   - the webhook image, from the project's Dockerfile, on that base, with the bundle `make build` made.
// Each is written as an oci-archive that containerd imports (`ctr image import`). buildah keeps its storage in a
// folder of ours, removed afterwards, so nothing is left in the machine's own image store.
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { check, REPO_ROOT, run } from './tools.ts';

export const WEBHOOK_IMAGE = 'localhost/openchoreo-workflowrun-webhook:dev';
export const PAUSE_IMAGE = 'localhost/openchoreo-workflowrun-pause:dev';
export const NODE_BASE_IMAGE = 'localhost/openchoreo-workflowrun-node-base:dev';

export interface BuiltImage {
  name: string;
  archivePath: string;
  // Uncompressed size of the image's layers, as buildah reports it.
  sizeBytes: number;
  // Size of the oci-archive: the compressed layers, what a registry would store.
  archiveBytes: number;
}

export interface BuiltImages {
  pause: BuiltImage;
  webhook: BuiltImage;
  buildMs: number;
}

// What is missing on this machine to build the images, or undefined when nothing is.
export function missingImageTools(): string | undefined {
  const needed = ['buildah', 'busybox', 'node'];
  const missing = needed.filter((tool) => !onPath(tool));
  if (missing.length > 0)
    return `${missing.join(', ')} not installed (apt-get install buildah busybox-static)`;
  if (!existsSync(join(REPO_ROOT, 'dist', 'workflowrun-webhook.mjs')))
    return 'dist/ is not built (make build)';
  return undefined;
}

export function onPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const path = join(dir, tool);
    if (dir && existsSync(path)) return path;
  }
  return undefined;
}

class Buildah {
  constructor(private readonly storage: string) {}

  async run(args: string[], what: string): Promise<string> {
    const global = ['--root', join(this.storage, 'root'), '--runroot', join(this.storage, 'run')];
    // vfs needs no kernel overlay support; the images are small enough for full copies.
    const result = await run('buildah', [...global, '--storage-driver', 'vfs', ...args], {
      timeoutMs: 300_000,
    });
    return check(result, `buildah ${what}`).trim();
  }

  // A scratch image holding `files` (host path -> path in the image) and the given config.
  async fromFiles(name: string, files: Map<string, string>, config: string[]): Promise<void> {
    const container = await this.run(['from', 'scratch'], 'from scratch');
    try {
      const root = await this.run(['mount', container], 'mount');
      for (const [source, target] of files) {
        await mkdir(join(root, dirname(target)), { recursive: true });
        // copyFile follows symbolic links, so each library lands under the name the loader asks for.
        await copyFile(source, join(root, target));
      }
      await this.run(['config', ...config, container], 'config');
      await this.run(['commit', '--quiet', container, name], `commit ${name}`);
    } finally {
      await this.run(['rm', container], 'rm');
    }
  }

  async export(name: string, archivePath: string): Promise<BuiltImage> {
    await rm(archivePath, { force: true });
    await this.run(['push', '--quiet', name, `oci-archive:${archivePath}:${name}`], `push ${name}`);
    const size = await this.run(['images', '--format', '{{.Size}}', '--noheading', name], 'images');
    const archiveBytes = (await stat(archivePath)).size;
    return { name, archivePath, sizeBytes: parseSize(size) || archiveBytes, archiveBytes };
  }
}

// buildah prints sizes like "98.5 MB" (decimal units).
export function parseSize(text: string): number {
  const match = /^([\d.]+)\s*([kMG]?B)$/.exec(text.trim());
  if (!match) return 0;
  const units: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };
  return Math.round(Number(match[1]) * (units[match[2] ?? 'B'] ?? 1));
}

// The shared libraries a binary needs, from ldd: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and the
// loader's own line "/lib64/ld-linux-x86-64.so.2 (0x...)".
export function linkedLibraries(lddOutput: string): string[] {
  const libraries: string[] = [];
  for (const line of lddOutput.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match?.[1]) libraries.push(match[1]);
  }
  return libraries;
}

async function nodeBaseFiles(): Promise<Map<string, string>> {
  const node = process.execPath;
  const libraries = linkedLibraries(check(await run('ldd', [node]), `ldd ${node}`));
  return new Map([[node, '/usr/local/bin/node'], ...libraries.map((lib): [string, string] => [lib, lib])]);
}

export async function buildImages(outDir: string): Promise<BuiltImages> {
  const started = Date.now();
  await mkdir(outDir, { recursive: true });
  const storage = await mkdtemp(join(outDir, 'buildah-'));
  const buildah = new Buildah(storage);
  try {
    const busybox = onPath('busybox');
    if (!busybox) throw new Error('busybox is not installed (apt-get install busybox-static)');
    await buildah.fromFiles(PAUSE_IMAGE, new Map([[busybox, '/bin/busybox']]), [
      // Only has to hold the pod's namespaces open until containerd kills it.
      '--entrypoint', '["/bin/busybox", "sleep", "2147483647"]',
    ]); // prettier-ignore
    await buildah.fromFiles(NODE_BASE_IMAGE, await nodeBaseFiles(), [
      '--env', 'PATH=/usr/local/bin:/usr/bin:/bin',
      '--cmd', 'node',
    ]); // prettier-ignore
    await buildah.run(
      [
        'bud', '--quiet', '--layers=false',
        '--build-arg', `BASE_IMAGE=${NODE_BASE_IMAGE}`,
        '--build-arg', 'BUNDLE=prebuilt',
        '--tag', WEBHOOK_IMAGE, REPO_ROOT,
      ], // prettier-ignore
      'bud (the Dockerfile)',
    );
    return {
      pause: await buildah.export(PAUSE_IMAGE, join(outDir, 'pause.tar')),
      webhook: await buildah.export(WEBHOOK_IMAGE, join(outDir, 'webhook.tar')),
      buildMs: Date.now() - started,
    };
  } finally {
    await rm(storage, { recursive: true, force: true, maxRetries: 3 });
  }
}
