// The project stands on its own: a clone with nothing beside it builds, runs and tests. So no tracked file names a
// place on this machine outside the repository, and only the optional fidelity test (test/fidelity/) refers to the
// reference material kept beside the repository.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { REPO_ROOT } from '../../local-cluster/tools.ts';

// This file spells out what it looks for, so it does not search itself.
const THIS_FILE = relative(REPO_ROOT, fileURLToPath(import.meta.url));
// The one place allowed to name the reference material: the fidelity test and its README.
const FIDELITY_DIR = 'test/fidelity/';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Absolute paths that only exist on a machine like this one: the folder the development machines keep checkouts,
// reference material and mirrors in, root's home, and wherever this checkout and its parent folder happen to be.
function machinePaths(): RegExp {
  const parent = dirname(REPO_ROOT);
  const roots = ['/work/', '/root/', `${REPO_ROOT}/`];
  // A top-level folder such as /tmp is a fine thing for a document to name; a folder below it is this machine's.
  if (parent.split('/').filter(Boolean).length >= 2) roots.push(`${parent}/`);
  // Not inside a URL or a longer path: https://example.com/work/ is fine.
  return new RegExp(`(?<![\\w.~:/-])(${roots.map(escape).join('|')})`);
}

// ../shared in any spelling (a path, or path.join's pieces) and the folders inside it.
const REFERENCE_MATERIAL =
  /\.\.['"]?\s*[,/\\]\s*['"]?shared\b|\bshared['"]?\s*[,/\\]\s*['"]?(openchoreo|seed|design)\b/;

function trackedTextFiles(): { path: string; text: string }[] | undefined {
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (listed.status !== 0) return undefined;
  return listed.stdout
    .split('\0')
    .filter((path) => path && path !== THIS_FILE)
    .flatMap((path) => {
      let text: string;
      try {
        text = readFileSync(join(REPO_ROOT, path), 'utf8');
      } catch {
        return []; // deleted in the working tree, not yet committed
      }
      return text.includes('\0') ? [] : [{ path, text }];
    });
}

function offendingLines(files: { path: string; text: string }[], pattern: RegExp): string[] {
  return files.flatMap(({ path, text }) =>
    text
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
  );
}

describe('the project stands on its own', function () {
  let files: { path: string; text: string }[];
  before(function () {
    const found = trackedTextFiles();
    if (!found) {
      console.log('      (not a git checkout: nothing to list the tracked files with)');
      this.skip();
    }
    files = found;
  });

  it('no tracked file names an absolute path on this machine outside the repository', () => {
    expect(offendingLines(files, machinePaths())).to.deep.equal([]);
  });

  it('only the fidelity test and its README refer to the reference material beside the repository', () => {
    const outside = files.filter(({ path }) => !path.startsWith(FIDELITY_DIR));
    expect(offendingLines(outside, REFERENCE_MATERIAL)).to.deep.equal([]);
  });

  it('the patterns catch the spellings that used to be there', () => {
    for (const line of [
      "export const SAMPLES = '/work/shared/openchoreo/samples';",
      "const SHARED = path.resolve(here, '../../../shared');",
      "const SHARED = join(REPO_ROOT, '..', 'shared', 'openchoreo', 'samples');",
      "process.env.OPENCHOREO_DIR ?? join(REPO_ROOT, '..', 'shared', 'openchoreo')",
      '  path.resolve(here, "../../../shared/openchoreo/conformance");',
    ]) {
      expect(machinePaths().test(line) || REFERENCE_MATERIAL.test(line), line).to.equal(true);
    }
    for (const line of [
      'the machines are shared and noisy',
      'https://example.com/work/x',
      "import { getRun } from './shared.ts';",
      'cat /tmp/tls.crt',
    ]) {
      expect(machinePaths().test(line) || REFERENCE_MATERIAL.test(line), line).to.equal(false);
    }
  });
});
