// `kubectl workflowrun list`: runs as a kubectl get table, newest first, or as objects for scripts. Runs are read in
// pages of --chunk-size, as kubectl reads them; -w then prints each change as it happens.
import { Option, type Command } from 'commander';
import type { JSONObject, WorkflowRunObject } from '../../core/index.ts';
import { EXIT_OK, UsageError } from '../cmdutil/errors.ts';
import {
  addConnectionFlags,
  connectionOptions,
  clusterDependencies,
  resolveNamespace,
  type ConnectionOptions,
} from '../cmdutil/connection.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import { qualifiedName, asList, printObject } from '../cmdutil/printers.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import { parseWorkflowFilter } from '../cmdutil/flags.ts';
import type { KubeClient, ListRequest } from '../kube.ts';
import { matchesWorkflow, type WorkflowFilter } from '../run-filter.ts';

const OUTPUTS = ['wide', 'json', 'yaml', 'name'] as const;
type ListOutput = (typeof OUTPUTS)[number];

export interface ListOptions {
  io: IOStreams;
  clock: () => Date;
  kube: () => Promise<KubeClient>;
  connection: ConnectionOptions;
  labelSelector?: string;
  /** Only runs of this Workflow: `NAME` or `KIND/NAME`. */
  workflow?: WorkflowFilter;
  output?: ListOutput;
  /** Runs per request (`limit`); 0 asks for all at once. Default DEFAULT_CHUNK_SIZE. */
  chunkSize?: number;
  /** `-w`: after the list, print each run that is added, changed or deleted, until `stop` aborts. */
  watch?: true;
  /** Ends a watch (tests; the process ends it with Ctrl-C). */
  stop?: AbortSignal;
}

/** kubectl's default --chunk-size. */
export const DEFAULT_CHUNK_SIZE = 500;

interface ListFlags {
  selector?: string;
  workflow?: string;
  output?: string;
  chunkSize?: string;
  watch?: boolean;
}

export function newListCommand(factory: Factory, runF?: (opts: ListOptions) => Promise<number>): Command {
  const command = newCommand('list', factory)
    .alias('ls')
    .description('List WorkflowRuns, newest first')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option(
      '--workflow <name>',
      'only runs of this Workflow (NAME, or KIND/NAME such as ClusterWorkflow/docker-build)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUTS))
    .option(
      '--chunk-size <n>',
      `runs per request to the server; 0 for all at once (default ${DEFAULT_CHUNK_SIZE})`,
    )
    .option('-w, --watch', 'after listing, print each run as it is added, changes or is deleted');
  addConnectionFlags(command, { allNamespaces: true });
  return setAction(
    command,
    factory,
    (_args, cmd: Command): ListOptions => {
      const flags = cmd.opts<ListFlags>();
      const connection = connectionOptions(cmd);
      if (connection.allNamespaces && connection.namespace !== undefined) {
        throw new UsageError('--namespace and --all-namespaces cannot be used together');
      }
      return {
        ...clusterDependencies(factory, connection),
        ...definedEntries({
          labelSelector: flags.selector,
          workflow: flags.workflow === undefined ? undefined : parseWorkflowFilter(flags.workflow),
          output: flags.output as ListOutput | undefined,
          chunkSize: flags.chunkSize === undefined ? undefined : parseChunkSize(flags.chunkSize),
          watch: flags.watch ? (true as const) : undefined,
        }),
      };
    },
    runList,
    runF,
  );
}

function parseChunkSize(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--chunk-size must be a whole number, not "${value}"`);
  return Number(value);
}

export async function runList(opts: ListOptions): Promise<number> {
  const allNamespaces = opts.connection.allNamespaces === true;
  const namespace = allNamespaces ? undefined : await resolveNamespace(opts.connection, opts.kube);
  const renderModule = import('../render/list.ts');
  renderModule.catch(() => undefined);
  const kube = await opts.kube();
  const request: ListRequest = definedEntries({
    namespace,
    labelSelector: opts.labelSelector,
  }) as ListRequest;
  request.plural = 'workflowruns';
  const pages = listPages(kube, request, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const first = await pages.next();
  const firstPage = first.done ? { runs: [], resourceVersion: undefined, last: true } : first.value;
  const { renderList, noResourcesMessage, sortNewestFirst } = await renderModule;
  const matching = (runs: WorkflowRunObject[]) => runs.filter((run) => matchesWorkflow(run, opts.workflow));

  // One page holds every run: sorted, newest first, whatever the output. More pages: -o name and -o json stream
  // them in the server's order (as kubectl get does), so memory stays flat; the table and YAML need them all.
  const streaming = !firstPage.last && (opts.output === 'name' || opts.output === 'json');
  let resourceVersion = firstPage.resourceVersion;
  let runs: WorkflowRunObject[] = matching(firstPage.runs);
  if (streaming) {
    const json = opts.output === 'json' ? jsonListWriter(opts.io) : undefined;
    const write = (page: WorkflowRunObject[]) => {
      if (json) for (const run of page) json.item(run);
      else opts.io.stdout.write(page.map((run) => `${qualifiedName(run.metadata?.name ?? '')}\n`).join(''));
    };
    write(runs);
    for await (const page of pages) {
      write(matching(page.runs));
      resourceVersion = page.resourceVersion;
    }
    json?.end();
  } else {
    for await (const page of pages) {
      runs = runs.concat(matching(page.runs));
      resourceVersion = page.resourceVersion;
    }
    const sorted = sortNewestFirst(runs);
    if (opts.output === 'json' || opts.output === 'yaml') {
      await printObject(opts.io, asList(sorted as JSONObject[]), opts.output);
    } else if (opts.output === 'name') {
      opts.io.stdout.write(sorted.map((run) => `${qualifiedName(run.metadata?.name ?? '')}\n`).join(''));
    } else if (runs.length === 0) {
      if (!opts.watch) opts.io.stderr.write(`${noResourcesMessage(namespace, allNamespaces)}\n`);
    } else {
      opts.io.stdout.write(renderList(sorted, tableOptions(opts, allNamespaces)));
    }
  }
  if (!opts.watch) return EXIT_OK;
  const printed = runs.length > 0 || streaming;
  return watchRuns(opts, kube, namespace, resourceVersion, { allNamespaces, printedHeader: printed });
}

function tableOptions(opts: ListOptions, allNamespaces: boolean) {
  return { now: opts.clock(), wide: opts.output === 'wide', allNamespaces, color: opts.io.color };
}

interface Page {
  runs: WorkflowRunObject[];
  resourceVersion: string | undefined;
  /** No page follows. */
  last: boolean;
}

/** The list in pages of `chunkSize` runs (one page when 0), following the server's `continue` tokens. */
async function* listPages(kube: KubeClient, request: ListRequest, chunkSize: number): AsyncGenerator<Page> {
  let next: string | undefined;
  do {
    const page = await kube.list({
      ...request,
      ...(chunkSize > 0 ? { limit: chunkSize } : {}),
      ...(next === undefined ? {} : { continue: next }),
    });
    next = page.continue;
    yield { runs: page.items as WorkflowRunObject[], resourceVersion: page.resourceVersion, last: !next };
  } while (next);
}

/** `-o json` of a List written item by item, the same text JSON.stringify(asList(items), null, 2) makes. */
function jsonListWriter(io: IOStreams) {
  const marker = '\u0000items\u0000';
  const [before, after] = JSON.stringify(asList([marker as unknown as JSONObject]), null, 2).split(
    `    ${JSON.stringify(marker)}\n`,
  ) as [string, string];
  let count = 0;
  return {
    item(run: WorkflowRunObject): void {
      const text = JSON.stringify(run, null, 2).replace(/^/gm, '    ');
      io.stdout.write(`${count === 0 ? before : ',\n'}${text}`);
      count++;
    },
    end(): void {
      io.stdout.write(count === 0 ? `${JSON.stringify(asList([]), null, 2)}\n` : `\n${after}\n`);
    },
  };
}

/**
 * `-w`: each change after the list, one row (or name, or JSON object) per event, as kubectl get -w prints them.
 * A watch the server ends is resumed from the last change seen; one it expired (410) starts again from now.
 */
async function watchRuns(
  opts: ListOptions,
  kube: KubeClient,
  namespace: string | undefined,
  resourceVersion: string | undefined,
  table: { allNamespaces: boolean; printedHeader: boolean },
): Promise<number> {
  const { renderList } = await import('../render/list.ts');
  let printedHeader = table.printedHeader;
  const print = async (run: WorkflowRunObject): Promise<void> => {
    if (opts.output === 'name') {
      opts.io.stdout.write(`${qualifiedName(run.metadata?.name ?? '')}\n`);
    } else if (opts.output === 'json' || opts.output === 'yaml') {
      if (opts.output === 'yaml') opts.io.stdout.write('---\n');
      await printObject(opts.io, run, opts.output);
    } else {
      const lines = renderList([run], tableOptions(opts, table.allNamespaces));
      opts.io.stdout.write(printedHeader ? lines.slice(lines.indexOf('\n') + 1) : lines);
      printedHeader = true;
    }
  };
  const signal = opts.stop ?? new AbortController().signal;
  let since = resourceVersion;
  while (!signal.aborted) {
    let expired = false;
    for await (const event of kube.watch({
      plural: 'workflowruns',
      ...definedEntries({ namespace, labelSelector: opts.labelSelector, resourceVersion: since }),
      signal,
    })) {
      if (event.type === 'ERROR') {
        expired = true;
        break;
      }
      const run = event.object as WorkflowRunObject;
      since = run.metadata?.resourceVersion ?? since;
      if (event.type === 'BOOKMARK' || !matchesWorkflow(run, opts.workflow)) continue;
      await print(run);
    }
    if (expired) since = undefined;
  }
  return EXIT_OK;
}
