// The webhook container as the chart's default values render it, so the benches and tests that compare against
// the chart (its memory limit, the heap limit it sets) follow the chart.
import { findObject, renderChart } from '../unit/chart-render.ts';

export interface ChartWebhook {
  memoryLimit: { text: string; bytes: number };
  /** The container's environment, NODE_OPTIONS among it. */
  env: Record<string, string>;
}

export function chartWebhook(): ChartWebhook {
  const container = findObject(renderChart(), 'Deployment').spec.template.spec.containers[0];
  const text = String(container.resources.limits.memory);
  const match = /^(\d+)(Mi|Gi)$/.exec(text);
  if (!match) throw new Error(`the chart's memory limit ${text} is not in Mi or Gi`);
  const env: Record<string, string> = {};
  for (const { name, value } of container.env ?? []) env[name] = value;
  return { memoryLimit: { text, bytes: Number(match[1]) * 2 ** (match[2] === 'Gi' ? 30 : 20) }, env };
}
