// Test doubles for the plugin's commands: an in-memory KubeClient that records every request, a factory with
// string outputs and a fixed clock, and golden-file comparison under test/golden/plugin.
// `UPDATE_GOLDEN=1 npx mocha 'test/unit/plugin/*.test.ts'` rewrites the golden files from the current output.
import { Readable } from 'node:stream';
import type { Command } from 'commander';

import type { JSONObject } from '../../core/index.ts';
import { FIXED_NOW, expectGoldenFile } from '../golden/golden.ts';
import { runCLI } from '../../kubectl-plugin/commands/root.ts';
import type { Factory } from '../../kubectl-plugin/cmdutil/factory.ts';
import { KubeApiError, KubeConnectionError } from '../../kubectl-plugin/kube.ts';
import type {
  ConnectionFlags,
  CreateRequest,
  KubeClient,
  ListRequest,
  ObjectList,
  ObjectRef,
  WatchEvent,
  WatchRequest,
} from '../../kubectl-plugin/kube.ts';

const KIND_BY_PLURAL: Record<string, string> = {
  workflowruns: 'WorkflowRun',
  workflows: 'Workflow',
  clusterworkflows: 'ClusterWorkflow',
};

export interface RecordedRequest {
  verb: 'get' | 'list' | 'create' | 'watch' | 'resources';
  plural?: string;
  namespace?: string;
  name?: string;
  body?: JSONObject;
  dryRun?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/** An API server in memory: objects by plural/namespace/name, `forbidden` namespaces, scripted watch events. */
export class FakeKube implements KubeClient {
  readonly requests: RecordedRequest[] = [];
  readonly objects = new Map<string, JSONObject>();
  served = new Set(['workflowruns', 'workflows', 'clusterworkflows']);
  forbiddenNamespaces = new Set<string>();
  /** Message a create is refused with, as an admission webhook would (HTTP 403 / 422 from the server). */
  denyCreate: string | undefined;
  /** Events each watch replays, in order; the watch then stays open until aborted. */
  watchEvents: WatchEvent[] = [];
  watchRefused = false;
  private generated = 0;

  constructor(
    readonly defaultNamespace = 'default',
    readonly server = 'https://127.0.0.1:6443',
  ) {}

  add(object: JSONObject, plural = pluralOf(object)): this {
    const metadata = object.metadata as { name: string; namespace?: string };
    this.objects.set(key(plural, metadata.namespace, metadata.name), structuredClone(object));
    return this;
  }

  async get(ref: ObjectRef): Promise<JSONObject> {
    this.requests.push({ verb: 'get', plural: ref.plural, namespace: ref.namespace, name: ref.name });
    this.check(ref.plural, ref.namespace, 'get');
    const object = this.objects.get(key(ref.plural, ref.namespace, ref.name));
    if (!object) {
      throw new KubeApiError(`${ref.plural}.openchoreo.dev "${ref.name}" not found`, 404, 'NotFound');
    }
    return structuredClone(object);
  }

  async list(request: ListRequest): Promise<ObjectList> {
    this.requests.push({
      verb: 'list',
      plural: request.plural,
      namespace: request.namespace,
      labelSelector: request.labelSelector,
      limit: request.limit,
      continue: request.continue,
    });
    this.check(request.plural, request.namespace, 'list');
    const items = [...this.objects.entries()]
      .filter(([k]) =>
        k.startsWith(
          request.namespace === undefined ? `${request.plural}/` : `${request.plural}/${request.namespace}/`,
        ),
      )
      .map(([, object]) => structuredClone(object))
      .filter((object) => matchesLabels(object, request.labelSelector));
    if (request.limit === undefined) return { items, resourceVersion: '100' };
    // Pages as the API server cuts them: `limit` items, and a token naming where the next page starts.
    const start = request.continue === undefined ? 0 : Number(request.continue);
    const end = start + request.limit;
    return {
      items: items.slice(start, end),
      resourceVersion: '100',
      ...(end < items.length ? { continue: String(end) } : {}),
    };
  }

  async create(request: CreateRequest): Promise<JSONObject> {
    this.requests.push({
      verb: 'create',
      plural: request.plural,
      namespace: request.namespace,
      body: structuredClone(request.body),
      dryRun: request.dryRun,
    });
    this.check(request.plural, request.namespace, 'create');
    if (this.denyCreate) throw new KubeApiError(this.denyCreate, 400, 'BadRequest');
    const object = structuredClone(request.body);
    const metadata = object.metadata as Record<string, string>;
    if (!metadata.name)
      metadata.name = `${metadata.generateName}${String(++this.generated).padStart(5, 'x')}`;
    metadata.uid = `uid-${metadata.name}`;
    metadata.resourceVersion = '101';
    metadata.creationTimestamp = FIXED_NOW.toISOString().replace('.000', '');
    if (!request.dryRun) this.add(object, request.plural);
    return object;
  }

  async *watch(request: WatchRequest): AsyncIterable<WatchEvent> {
    this.requests.push({
      verb: 'watch',
      plural: request.plural,
      namespace: request.namespace,
      fieldSelector: request.fieldSelector,
    });
    if (this.watchRefused) throw new KubeApiError('watch is forbidden', 403, 'Forbidden');
    for (const event of this.watchEvents) {
      if (request.signal.aborted) return;
      yield structuredClone(event);
    }
    await new Promise<void>((resolve) => {
      if (request.signal.aborted) return resolve();
      request.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  async resources(): Promise<Set<string>> {
    this.requests.push({ verb: 'resources' });
    return this.served;
  }

  /** The body of the `index`th create request. */
  sent(index = 0): JSONObject {
    const body = this.writes()[index]?.body;
    if (!body) throw new Error(`no create request #${index}`);
    return body;
  }

  /** Requests that would change the cluster. */
  writes(): RecordedRequest[] {
    return this.requests.filter((request) => request.verb === 'create');
  }

  private check(plural: string, namespace: string | undefined, verb: string): void {
    if (namespace !== undefined && this.forbiddenNamespaces.has(namespace)) {
      throw new KubeApiError(
        `${plural}.openchoreo.dev is forbidden: User "jane" cannot ${verb} resource "${plural}" in API group "openchoreo.dev" in the namespace "${namespace}"`,
        403,
        'Forbidden',
      );
    }
  }
}

function key(plural: string, namespace: string | undefined, name: string): string {
  return `${plural}/${namespace ?? ''}/${name}`;
}

function pluralOf(object: JSONObject): string {
  const plural = Object.keys(KIND_BY_PLURAL).find((p) => KIND_BY_PLURAL[p] === object.kind);
  if (!plural) throw new Error(`FakeKube cannot store kind ${String(object.kind)}`);
  return plural;
}

function matchesLabels(object: JSONObject, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = ((object.metadata as { labels?: Record<string, string> }).labels ?? {}) as Record<
    string,
    string
  >;
  return selector.split(',').every((term) => {
    const [name, value] = term.split('=');
    return labels[name!] === value;
  });
}

export interface TestIO {
  factory: Factory;
  stdout: () => string;
  stderr: () => string;
  /** The connection flags each kubeClient() call was given. */
  connections: ConnectionFlags[];
}

/** A factory whose outputs are strings and whose cluster is `kube` (or unreachable when `kube` is an Error). */
export function testFactory(
  kube: KubeClient | Error,
  options: { stdin?: string; color?: boolean; tty?: boolean } = {},
): TestIO {
  let out = '';
  let err = '';
  const connections: ConnectionFlags[] = [];
  const factory: Factory = {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
      isTTY: options.tty ?? options.color === true,
      stdinIsTTY: false,
      color: options.color === true,
    },
    clock: () => FIXED_NOW,
    kubeClient: async (flags) => {
      connections.push(flags);
      if (kube instanceof Error) throw kube;
      return kube;
    },
    exitCode: 0,
  };
  return { factory, stdout: () => out, stderr: () => err, connections };
}

export const UNREACHABLE = new KubeConnectionError(
  'cannot reach the Kubernetes API server at https://127.0.0.1:1: connection refused',
);

/** Runs `kubectl workflowrun <argv>` against the fake; returns the exit code and both outputs. */
export async function run(
  kube: KubeClient | Error,
  argv: string[],
  options: { stdin?: string; tty?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = testFactory(kube, options);
  const code = await runCLI(io.factory, argv);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Parses `argv` with a single command built with a capturing runF; returns the options it was given. */
export async function parseFlags<Options>(
  build: (factory: Factory, runF: (opts: Options) => Promise<number>) => Command,
  argv: string[],
  kube: KubeClient = new FakeKube(),
): Promise<{ options: Options | undefined; code: number; stderr: string }> {
  const io = testFactory(kube);
  let captured: Options | undefined;
  const command = build(io.factory, async (opts) => {
    captured = opts;
    return 0;
  });
  const code = await runCLI(io.factory, argv, command);
  return { options: captured, code, stderr: io.stderr() };
}

/** A command's options without the injected dependencies, for deep comparison. */
export function withoutDependencies<T extends object>(options: T | undefined): Partial<T> {
  const copy: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of ['io', 'clock', 'kube']) delete copy[key];
  return copy as Partial<T>;
}

/** What a terminal shows after each redraw of a live view (render/progress.ts's LiveArea). */
export function frames(stdout: string): string[] {
  // eslint-disable-next-line no-control-regex -- the escape sequences are what is being split on
  return stdout.split(/\x1b\[\d+F\x1b\[J/);
}

/** Compares `actual` with `test/golden/plugin/<relativePath>`, or writes it there when UPDATE_GOLDEN=1. */
export function expectGolden(relativePath: string, actual: string): void {
  expectGoldenFile(`plugin/${relativePath}`, actual);
}
