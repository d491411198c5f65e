// The webhook's container image: the Dockerfile's promises (multi-stage, no dependencies at runtime, numeric
// non-root user, the webhook as entrypoint) and, when dist/ is built, that the bundle runs without node_modules,
// which is what the runtime stage relies on.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { repoRoot } from './chart-render.ts';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
  .map((line) => line.trim());
const stages = instructions.reduce<string[][]>((all, line) => {
  if (line.startsWith('FROM ')) all.push([line]);
  else all[all.length - 1]?.push(line);
  return all;
}, []);
const runtime = stages[stages.length - 1] ?? [];
const baseImage = /^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];

describe('container image (Dockerfile)', () => {
  it('builds in a node:20 stage and runs on a slim node:20 image, both the BASE_IMAGE argument', () => {
    expect(baseImage).to.match(/^node:20[-\w.]*slim$/);
    expect(stages[0]?.[0]).to.equal('FROM ${BASE_IMAGE} AS build');
    expect(runtime[0]).to.equal('FROM ${BASE_IMAGE}');
    expect(stages[0]).to.include('RUN npm ci --no-audit --no-fund');
    expect(stages[0]).to.include('RUN node scripts/build.mjs');
  });

  it('copies only the bundle into the runtime stage, no node_modules and no sources', () => {
    const copies = runtime.filter((line) => line.startsWith('COPY'));
    expect(copies).to.deep.equal([
      'COPY --from=bundle /src/dist/workflowrun-webhook.mjs dist/',
      'COPY --from=bundle /src/dist/chunks/ dist/chunks/',
    ]);
    expect(runtime.some((line) => /npm|node_modules/.test(line))).to.equal(false);
  });

  it('takes the bundle from the build stage by default, or from dist/ with BUNDLE=prebuilt', () => {
    expect(dockerfile).to.match(/^ARG BUNDLE=build$/m);
    expect(stages.map((stage) => stage[0])).to.include.members([
      'FROM scratch AS prebuilt',
      'FROM ${BUNDLE} AS bundle',
    ]);
    const prebuilt = stages.find((stage) => stage[0] === 'FROM scratch AS prebuilt') ?? [];
    expect(prebuilt.slice(1)).to.deep.equal([
      'COPY dist/workflowrun-webhook.mjs /src/dist/',
      'COPY dist/chunks/ /src/dist/chunks/',
    ]);
  });

  it('runs the webhook as a numeric non-root user', () => {
    const user = runtime.find((line) => line.startsWith('USER '));
    expect(user).to.match(/^USER [1-9][0-9]*:[1-9][0-9]*$/);
    expect(runtime[runtime.length - 1]).to.equal('ENTRYPOINT ["node", "/app/dist/workflowrun-webhook.mjs"]');
    expect(runtime).to.include('WORKDIR /app');
  });

  it('keeps everything the build stage copies in the build context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) => line.replace(/\/$/, ''));
    const copied = (stages[0] ?? [])
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from'))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(copied).to.include.members([
      'package.json',
      'package-lock.json',
      'scripts/build.mjs',
      'webhook/',
      'core/',
    ]);
    // Files the build script itself names (esbuild aliases) must be in the build stage too.
    const named =
      readFileSync(join(repoRoot, 'scripts/build.mjs'), 'utf8').match(/'\.\/scripts\/[^']+'/g) ?? [];
    for (const file of named.map((quoted) => quoted.slice(3, -1))) {
      expect(
        copied.some((path) => file === path || (path.endsWith('/') && file.startsWith(path))),
        file,
      ).to.equal(true);
    }
    for (const path of copied) {
      const top = path.replace(/\/$/, '').split('/')[0] ?? path;
      expect(ignored, path).not.to.include(top);
      expect(existsSync(join(repoRoot, path)), path).to.equal(true);
    }
  });

  it('has a bundle that starts without node_modules, as in the runtime stage', function () {
    const entry = join(repoRoot, 'dist/workflowrun-webhook.mjs');
    if (!existsSync(entry)) this.skip(); // dist/ is built by `make build`, which `make test` runs first
    this.timeout(20000);
    const app = mkdtempSync(join(tmpdir(), 'workflowrun-image-'));
    try {
      cpSync(entry, join(app, 'dist/workflowrun-webhook.mjs'));
      if (existsSync(join(repoRoot, 'dist/chunks')))
        cpSync(join(repoRoot, 'dist/chunks'), join(app, 'dist/chunks'), { recursive: true });
      const result = spawnSync(process.execPath, [join(app, 'dist/workflowrun-webhook.mjs'), '--help'], {
        cwd: app,
        encoding: 'utf8',
        timeout: 15000,
      });
      expect(result.stderr).not.to.match(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/);
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).to.include('--tls-cert-file');
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
