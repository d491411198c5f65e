// The Go oracle (test/reference, built by `make reference` into .cache/bin) as a child process: cases go in as
// JSON lines, verdicts come back in the same order, so many cases can be in flight over one pipe.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

import type { JSONValue } from '../../core/index.ts';

export const REFERENCE_BINARY = fileURLToPath(
  new URL('../../.cache/bin/workflowrun-reference', import.meta.url),
);

export interface ReferenceCase {
  schema: JSONValue;
  /** Left out to judge the schema alone. */
  value?: JSONValue;
}

export interface ReferenceVerdict {
  schemaAccepted: boolean;
  schemaErrors?: string[];
  defaulted?: JSONValue;
  errors?: { path: string; type: string; detail?: string }[];
  /** Set when the oracle could not judge the case at all. */
  failure?: string;
}

export class ReferenceProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: { resolve: (verdict: ReferenceVerdict) => void; reject: (error: Error) => void }[] = [];
  #exited: Error | undefined;

  constructor(binary = REFERENCE_BINARY) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run make reference`);
    this.#child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.#child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      this.#waiting.shift()?.resolve(JSON.parse(line) as ReferenceVerdict);
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = new Error(`workflowrun-reference exited (${signal ?? code}): ${stderr.trim()}`);
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#exited);
    });
  }

  judge(input: ReferenceCase): Promise<ReferenceVerdict> {
    return this.judgeAll([input]).then((verdicts) => verdicts[0]!);
  }

  /** All cases written at once; the oracle answers them in order. */
  judgeAll(inputs: readonly ReferenceCase[]): Promise<ReferenceVerdict[]> {
    if (this.#exited) return Promise.reject(this.#exited);
    const verdicts = inputs.map(
      () =>
        new Promise<ReferenceVerdict>((resolve, reject) => {
          this.#waiting.push({ resolve, reject });
        }),
    );
    this.#child.stdin.write(inputs.map((input) => `${JSON.stringify(input)}\n`).join(''));
    return Promise.all(verdicts);
  }

  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin.end();
    await exited;
  }
}
