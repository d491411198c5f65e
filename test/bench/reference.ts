// Our validate+default beside Kubernetes' own (the Go oracle of the differential test, test/reference, built by
// `make reference`), for the seed's docker-build run and the 500-leaf run of core.ts, timed in the same run. The Go
// side is timed twice: with the schema validator built once (as our core compiles a Workflow once) and with one
// built per run (what OpenChoreo's ValidateWithJSONSchema does). With BENCH_BASELINE=REV the same runs are timed
// on that commit's core too, so a regression shows against figures of the same run.
//
//   node --import tsx test/bench/reference.ts     (or `make bench`)
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { JSONObject, WorkflowObject } from '../../core/index.ts';
import { compileWorkflow } from '../../core/engine.ts';
import { REFERENCE_BINARY } from '../differential/reference.ts';
import { benchBaseline } from './baseline.ts';
import { generatedWorkflow, loadDockerBuild, timeThroughput } from './core.ts';
import { median } from './median.ts';

const BASELINE_TURNS = 3;

interface GoFigures {
  prebuiltNsPerOp: number;
  perCallNsPerOp: number;
}

function timeInGo(schema: JSONObject, value: JSONObject): GoFigures {
  const output = execFileSync(REFERENCE_BINARY, ['-bench', '-samples', '7', '-sample', '300ms'], {
    input: JSON.stringify({ schema, value }),
    encoding: 'utf8',
  });
  return JSON.parse(output) as GoFigures;
}

export async function bench(): Promise<void> {
  console.log(
    `reference: validate+default, ours beside Kubernetes' apiextensions v0.35.4 (median of 7 samples)`,
  );
  const baseline = await benchBaseline();
  const baselineEngine = baseline
    ? ((await import(path.join(baseline.root, 'core', 'engine.ts'))) as typeof import('../../core/engine.ts'))
    : undefined;
  const runs: [string, { workflow: WorkflowObject; parameters: JSONObject }][] = [
    ['docker-build (seed)', loadDockerBuild()],
    ['generated, 500 leaves', generatedWorkflow()],
  ];
  for (const [label, { workflow, parameters }] of runs) {
    const compiled = compileWorkflow(workflow);
    const ours = timeThroughput(compiled, parameters);
    const go = timeInGo(compiled.schema as JSONObject, parameters);
    const prebuilt = go.prebuiltNsPerOp / 1e3;
    const perCall = go.perCallNsPerOp / 1e3;
    let line =
      `  ${label.padEnd(24)} ours ${ours.toFixed(2).padStart(8)} µs   Go ${prebuilt.toFixed(2).padStart(8)} µs ` +
      `(${(prebuilt / ours).toFixed(1)}x ours)   Go, validator per run ${perCall.toFixed(2).padStart(9)} µs ` +
      `(${(perCall / ours).toFixed(1)}x ours)`;
    if (baselineEngine && baseline) {
      // Timed in turns with ours, so that the load of a shared machine falls on both alike.
      const old = baselineEngine.compileWorkflow(workflow);
      const now: number[] = [ours];
      const before: number[] = [];
      for (let turn = 0; turn < BASELINE_TURNS; turn++) {
        before.push(timeThroughput(old, parameters));
        now.push(timeThroughput(compiled, parameters));
      }
      const [nowMedian, beforeMedian] = [median(now), median(before)];
      line +=
        `   ${baseline.revision} ${beforeMedian.toFixed(2)} µs, ours in turn ${nowMedian.toFixed(2)} µs ` +
        `(${((nowMedian / beforeMedian - 1) * 100).toFixed(1)}%)`;
    }
    console.log(line);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await bench();
