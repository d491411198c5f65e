// Figures read off the chart's default values, so the benches and tests that compare against them follow the chart.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../local-cluster/tools.ts';

/** The webhook pod's memory limit in the chart's default values (Kubernetes' `Mi` or `Gi` suffix). */
export function chartMemoryLimit(): { text: string; bytes: number } {
  const values = parse(
    readFileSync(path.join(REPO_ROOT, 'charts/workflowrun-webhook/values.yaml'), 'utf8'),
  ) as {
    resources: { limits: { memory: string } };
  };
  const text = values.resources.limits.memory;
  const match = /^(\d+)(Mi|Gi)$/.exec(text);
  if (!match) throw new Error(`the chart's memory limit ${text} is not in Mi or Gi`);
  return { text, bytes: Number(match[1]) * 2 ** (match[2] === 'Gi' ? 30 : 20) };
}
