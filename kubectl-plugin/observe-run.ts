// Following one run: its current state, then every change, from a watch (resumed when the server ends it, polling
// only where watching is refused), for wait, create --wait and describe --watch.
import type { WorkflowRunObject } from '../core/index.ts';
import type { KubeClient } from './kube.ts';
import { getRun } from './objects.ts';

/** Pause between polls when the server refuses a watch, for every command that follows a run. */
export const POLL_INTERVAL_MS = 2000;

export interface ObservedRun {
  kube: KubeClient;
  namespace: string;
  name: string;
  /** Pause between polls when the server refuses a watch. */
  pollIntervalMs: number;
}

/**
 * Every state the run passes through until `signal` aborts or the run is deleted: the current object first,
 * then watch events; when the server ends a watch it is resumed, and when watching is refused it polls.
 */
export async function* observeRun(opts: ObservedRun, signal: AbortSignal): AsyncGenerator<WorkflowRunObject> {
  let watchable = true;
  while (!signal.aborted) {
    const run = await abortable(getRun(opts.kube, opts.namespace, opts.name), signal);
    if (!run) return;
    yield run;
    const resourceVersion = run.metadata?.resourceVersion;
    if (watchable) {
      try {
        for await (const event of opts.kube.watch({
          plural: 'workflowruns',
          namespace: opts.namespace,
          fieldSelector: `metadata.name=${opts.name}`,
          ...(resourceVersion ? { resourceVersion } : {}),
          signal,
        })) {
          if (event.type === 'DELETED') return;
          if (event.type === 'ADDED' || event.type === 'MODIFIED') yield event.object as WorkflowRunObject;
          // ERROR (e.g. 410 Gone: too old a resourceVersion) or BOOKMARK: fall through to a fresh GET and watch.
          if (event.type === 'ERROR') break;
        }
        continue;
      } catch {
        if (signal.aborted) return;
        // Watching is forbidden or broken on this server: fall back to polling.
        watchable = false;
      }
    }
    if (!(await sleep(opts.pollIntervalMs, signal))) return;
  }
}

async function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
