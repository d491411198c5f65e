// Flags several commands take, and the parsers of their values.
import { Option } from 'commander';
import type { WorkflowKind } from '../../core/index.ts';
import type { WorkflowFilter } from '../run-filter.ts';
import { UsageError } from './errors.ts';

/** Option parser of a repeatable flag: every value given, in order. */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--kind`; commander checks the value, completion offers the choices. */
export function kindOption(): Option {
  return new Option(
    '--kind <kind>',
    'Workflow or ClusterWorkflow (default: ClusterWorkflow, or Workflow on v0.17 CRDs)',
  ).choices(['Workflow', 'ClusterWorkflow']);
}

/** `--unknown-parameters`: what to do with parameters the schema does not declare (the core's policy). */
export function unknownParametersOption(): Option {
  return new Option(
    '--unknown-parameters <policy>',
    'parameters the schema does not declare (default: deny)',
  ).choices(['deny', 'warn', 'allow']);
}

/** The kind in `--workflow KIND/NAME`, spelled as the API spells it. */
export function parseKind(value: string): WorkflowKind {
  const match = (['Workflow', 'ClusterWorkflow'] as const).find(
    (kind) => kind.toLowerCase() === value.toLowerCase(),
  );
  if (!match) throw new UsageError(`the kind must be Workflow or ClusterWorkflow, not "${value}"`);
  return match;
}

/** `--workflow NAME` or `--workflow KIND/NAME`, as list and rerun take it. */
export function parseWorkflowFilter(value: string, flag = '--workflow'): WorkflowFilter {
  const slash = value.indexOf('/');
  if (slash < 0) {
    if (value === '') throw new UsageError(`${flag} needs a name`);
    return { name: value };
  }
  const name = value.slice(slash + 1);
  if (name === '') throw new UsageError(`${flag} "${value}" has no name after the kind`);
  return { kind: parseKind(value.slice(0, slash)), name };
}

/** Parses a kubectl-style duration (`30s`, `5m`, `1h30m`, `90`, `0` = no limit) to milliseconds. */
export function parseTimeout(value: string, flag = '--timeout'): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed = pattern.lastIndex;
  }
  if (text === '' || consumed !== text.length) {
    throw new UsageError(`${flag} must be a duration such as 30s, 5m or 1h30m, not "${value}"`);
  }
  return total;
}
