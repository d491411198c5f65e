// workflowrun-webhook: validates and defaults OpenChoreo WorkflowRuns (and checks Workflow schemas) at admission.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Level } from 'pino';
import type { UnknownParameterPolicy } from '../core/index.ts';
import { CompiledSchemaCache, DEFAULT_COMPILED_SCHEMA_CACHE_SIZE } from './compiled-schemas.ts';
import { admissionRoutes } from './handlers.ts';
import { createLogger, LOG_LEVELS } from './log.ts';
import { createMetrics } from './metrics.ts';
import { WebhookServer } from './server.ts';
import { CertificateReloader } from './tls.ts';
import { InformerWorkflows } from './informers.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { PolicyReconciler } from './policy-reconciler.ts';

interface Flags {
  port: number;
  bindAddress: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  kubeconfig?: string;
  unknownParameters: UnknownParameterPolicy;
  logLevel: Level;
  shutdownTimeout: number;
  compiledSchemaCacheSize: number;
  managePolicies: boolean;
  policyLeaseNamespace: string;
}

const PROGRAM = 'workflowrun-webhook';

function port(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return parsed;
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('must be a number of seconds');
  return parsed;
}

function parseFlags(argv: readonly string[]): Flags {
  const program = new Command(PROGRAM)
    .description(
      'Admission webhook that validates and defaults OpenChoreo WorkflowRuns against their Workflow',
    )
    .option('--port <port>', 'HTTPS port to listen on', port, 9443)
    .option('--bind-address <address>', 'address to listen on', '0.0.0.0')
    .requiredOption('--tls-cert-file <path>', 'PEM serving certificate (reloaded when it changes)')
    .requiredOption('--tls-key-file <path>', 'PEM private key of the serving certificate')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)')
    .addOption(
      new Option('--unknown-parameters <policy>', 'what to do with parameters the Workflow does not declare')
        .choices(['deny', 'warn', 'allow'])
        .default('deny'),
    )
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .option(
      '--shutdown-timeout <seconds>',
      'on SIGTERM, how long reviews in flight may take to finish',
      seconds,
      25,
    )
    .option(
      '--compiled-schema-cache-size <count>',
      'most compiled Workflow schemas kept (Workflows sharing a schema share one); the least recently used go first',
      positiveInteger,
      DEFAULT_COMPILED_SCHEMA_CACHE_SIZE,
    )
    .option(
      '--manage-policies',
      'keep a ValidatingAdmissionPolicy per Workflow in step (one replica writes)',
      false,
    )
    .option(
      '--policy-lease-namespace <namespace>',
      'namespace of the Lease that elects the replica managing policies',
      process.env.POD_NAMESPACE ?? 'default',
    )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text.replace(/\n(?=.)/g, ' ')) });
  try {
    program.parse(argv, { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exit(error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2);
    }
    throw error;
  }
  return program.opts<Flags>();
}

function fail(message: string, code: number): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(code);
}

// What KubeConfig.loadFromDefault() settles for when it finds no kubeconfig and no service account: a context of
// this name pointing at http://localhost:8080, which is never what a webhook should talk to.
const NO_CONFIGURATION_CONTEXT = 'loaded-context';

/** `--kubeconfig`, else KUBECONFIG, ~/.kube/config, then the pod's service account (client-node's defaults). */
function loadKubeConfig(path: string | undefined): KubeConfig {
  const config = new KubeConfig();
  const source = path ?? process.env.KUBECONFIG ?? '~/.kube/config';
  try {
    if (path !== undefined) config.loadFromFile(path);
    else config.loadFromDefault(undefined, true);
  } catch (error) {
    fail(`cannot load kubeconfig ${source}: ${(error as Error).message.split('\n', 1)[0]}`, 2);
  }
  if (path === undefined && config.getCurrentContext() === NO_CONFIGURATION_CONTEXT) {
    fail(
      'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG or run in a pod with a service account',
      2,
    );
  }
  const contextName = config.getCurrentContext();
  if (!contextName) fail(`kubeconfig ${source} has no current-context`, 2);
  if (!config.getCurrentCluster()) {
    fail(`kubeconfig ${source}: context "${contextName}" or its cluster is not defined`, 2);
  }
  return config;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv);
  const { logger: log, flush, drain } = createLogger(flags.logLevel);
  const kubeConfig = loadKubeConfig(flags.kubeconfig);

  let certificates: CertificateReloader;
  try {
    certificates = new CertificateReloader({
      certFile: flags.tlsCertFile,
      keyFile: flags.tlsKeyFile,
      log,
      // Called from file-system events only, after `server` below exists.
      onChange: (certificate) => server.setCertificate(certificate),
    });
  } catch (error) {
    fail((error as Error).message, 2);
  }

  const workflows = new InformerWorkflows(kubeConfig, log);
  const compiledWorkflows = new CompiledSchemaCache(flags.compiledSchemaCacheSize);
  const metrics = createMetrics(
    () => workflows.states(),
    () => compiledWorkflows.stats(),
  );
  const server = new WebhookServer({
    routes: admissionRoutes({
      workflows,
      compiledWorkflows,
      unknownParameters: flags.unknownParameters,
    }),
    certificate: certificates.current,
    log,
    metrics,
    notReady: () => workflows.notReady(),
  });
  try {
    const address = await server.listen(flags.port, flags.bindAddress);
    log.info(
      { address: address.address, port: address.port, unknownParameters: flags.unknownParameters },
      'serving',
    );
  } catch (error) {
    fail(`cannot listen on ${flags.bindAddress}:${flags.port}: ${(error as Error).message}`, 1);
  }

  const policies = flags.managePolicies
    ? new PolicyReconciler(
        kubeConfig,
        {
          unknownParameters: flags.unknownParameters,
          leaseNamespace: flags.policyLeaseNamespace,
          identity: process.env.POD_NAME ?? `${hostname()}-${process.pid}`,
          registry: metrics.registry,
        },
        log,
      )
    : undefined;
  await policies?.start();

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing reviews in flight');
    // However shutdown goes, the process ends within the bound its orchestrator was promised.
    setTimeout(
      () => {
        log.warn('shutdown bound reached; exiting');
        flush();
        process.exit(0);
      },
      flags.shutdownTimeout * 1000 + 2000,
    ).unref();
    certificates.close();
    await server.shutdown(flags.shutdownTimeout * 1000);
    workflows.stop();
    await policies?.stop();
    log.info('shut down');
    await drain();
    flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => fail((error as Error).message, 1));
