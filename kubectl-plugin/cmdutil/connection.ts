// The connection flags (`-n`, `--context`, `--kubeconfig`, `-A`) and the lazily made client a command reaches the
// cluster through.
import type { Command } from 'commander';
import type { KubeClient } from '../kube.ts';
import { definedEntries } from './command.ts';
import type { Factory } from './factory.ts';

/** `-n`, `--context`, `--kubeconfig` on a command (and `-A` where listing across namespaces makes sense). */
export function addConnectionFlags(command: Command, options: { allNamespaces?: boolean } = {}): Command {
  command
    .option(
      '-n, --namespace <namespace>',
      'namespace (default: the kubeconfig context namespace, else "default")',
    )
    .option('--context <context>', 'kubeconfig context to use')
    .option('--kubeconfig <file>', 'path to the kubeconfig file');
  if (options.allNamespaces) command.option('-A, --all-namespaces', 'across all namespaces');
  return command;
}

export interface ConnectionOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  allNamespaces?: boolean;
}

/** The connection flags given on the command or before it (`kubectl workflowrun -n x list`). */
export function connectionOptions(command: Command): ConnectionOptions {
  const { namespace, context, kubeconfig, allNamespaces } = command.optsWithGlobals<ConnectionOptions>();
  return definedEntries({ namespace, context, kubeconfig, allNamespaces: allNamespaces ? true : undefined });
}

/** A memoised client factory for one command run, so several calls share one connection. */
export function lazyKube(factory: Factory, flags: ConnectionOptions): () => Promise<KubeClient> {
  let client: Promise<KubeClient> | undefined;
  return () => {
    client ??= factory.kubeClient(definedEntries({ kubeconfig: flags.kubeconfig, context: flags.context }));
    return client;
  };
}

/** What the options of every command that may reach the cluster start with. */
export function clusterDependencies(factory: Factory, connection: ConnectionOptions) {
  return { io: factory.io, clock: factory.clock, kube: lazyKube(factory, connection), connection };
}

/** The namespace a command works in: `-n`, else the kubeconfig context's. */
export async function resolveNamespace(
  flags: ConnectionOptions,
  kube: () => Promise<KubeClient>,
): Promise<string> {
  return flags.namespace ?? (await kube()).defaultNamespace;
}
