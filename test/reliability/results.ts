// Figures the reliability suites measure, written to .cache/reliability/<name>.json so that
// scripts/reliability-report.ts can put the latest run's numbers into docs/reliability.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../local-cluster/tools.ts';

export const RESULTS_DIR = join(REPO_ROOT, '.cache', 'reliability');

export function recordResult(name: string, figures: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    // first figures of this name
  }
  writeFileSync(
    path,
    `${JSON.stringify({ ...previous, ...figures, recordedAt: new Date().toISOString() }, null, 2)}\n`,
  );
}
