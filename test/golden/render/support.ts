// Shared by the render tests: the WorkflowRun fixtures, a fixed clock, and golden-file comparison.
// `UPDATE_GOLDEN=1 npx mocha test/unit/render-*.test.ts` rewrites the golden files from the current output.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';

import type { WorkflowRunObject } from '../../../core/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES_DIR = path.resolve(here, '../../fixtures/runs');

/** Every golden file was rendered at this instant; fixture times are set relative to it. */
export const FIXED_NOW = new Date('2024-01-15T10:35:00Z');

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
  const file = path.join(here, relativePath);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file test/golden/render/${relativePath} is missing; run the test with UPDATE_GOLDEN=1`);
  }
  expect(actual).to.equal(readFileSync(file, 'utf8'));
}
