// Golden-file comparison for the render and plugin tests, and the instant their output is rendered at.
// `UPDATE_GOLDEN=1` rewrites the golden files from the current output.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const GOLDEN_ROOT = path.dirname(fileURLToPath(import.meta.url));

/** Every golden file was rendered at this instant; the times in test/fixtures/runs are set relative to it. */
export const FIXED_NOW = new Date('2024-01-15T10:35:00Z');

/** Compares `actual` with `test/golden/<relativePath>`, or writes it there when UPDATE_GOLDEN=1. */
export function expectGoldenFile(relativePath: string, actual: string): void {
  const file = path.join(GOLDEN_ROOT, relativePath);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file test/golden/${relativePath} is missing; run the test with UPDATE_GOLDEN=1`);
  }
  expect(actual).to.equal(readFileSync(file, 'utf8'));
}
