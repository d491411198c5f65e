// Shared by the render tests: the WorkflowRun fixtures, a fixed clock, and golden-file comparison.
// `UPDATE_GOLDEN=1 npx mocha test/unit/render-*.test.ts` rewrites the golden files from the current output.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

import type { WorkflowRunObject } from '../../../core/types.ts';
import { expectGoldenFile } from '../golden.ts';

export { FIXED_NOW } from '../golden.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES_DIR = path.resolve(here, '../../fixtures/runs');

/** Fixture names (file names without `.yaml`), sorted. */
export function runFixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .sort();
}

export function loadRunFixture(name: string): WorkflowRunObject {
  return parse(readFileSync(path.join(FIXTURES_DIR, `${name}.yaml`), 'utf8')) as WorkflowRunObject;
}

/** Compares `actual` with `test/golden/render/<relativePath>`, or writes it there when UPDATE_GOLDEN=1. */
export function expectGolden(relativePath: string, actual: string): void {
  expectGoldenFile(`render/${relativePath}`, actual);
}
