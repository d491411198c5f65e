// Flag parsing, GitHub CLI style: each command is built with a runF that captures the options it would run with.
import { expect } from 'chai';

import { newCreateCommand } from '../../kubectl-plugin/commands/create.ts';
import type { CreateOptions } from '../../kubectl-plugin/commands/create.ts';
import { newDescribeCommand } from '../../kubectl-plugin/commands/describe.ts';
import type { DescribeOptions } from '../../kubectl-plugin/commands/describe.ts';
import { newListCommand } from '../../kubectl-plugin/commands/list.ts';
import type { ListOptions } from '../../kubectl-plugin/commands/list.ts';
import { newParamsCommand } from '../../kubectl-plugin/commands/params.ts';
import type { ParamsOptions } from '../../kubectl-plugin/commands/params.ts';
import { newValidateCommand } from '../../kubectl-plugin/commands/validate.ts';
import type { ValidateOptions } from '../../kubectl-plugin/commands/validate.ts';
import { newWaitCommand } from '../../kubectl-plugin/commands/wait.ts';
import type { WaitOptions } from '../../kubectl-plugin/commands/wait.ts';
import { newCompletionCommand } from '../../kubectl-plugin/commands/completion.ts';
import type { CompletionOptions } from '../../kubectl-plugin/commands/completion.ts';
import { FakeKube, parseFlags, run } from './plugin-fakes.ts';

/** The options without the injected functions, for deep comparison. */
function plain<T extends object>(options: T | undefined): Partial<T> {
  const copy: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of ['io', 'clock', 'kube']) delete copy[key];
  return copy as Partial<T>;
}

describe('plugin flag parsing', () => {
  describe('create', () => {
    it('takes WORKFLOW, NAME and every flag', async () => {
      const { options, code } = await parseFlags<CreateOptions>(newCreateCommand, [
        'docker-build',
        'build-1',
        '--kind',
        'Workflow',
        '-p',
        'a.b=1',
        '--set',
        'tags[0]=x',
        '--values',
        'one.yaml',
        '--values',
        'two.yaml',
        '-f',
        'run.yaml',
        '--display-name',
        'Nightly',
        '--dry-run',
        'server',
        '-o',
        'json',
        '--unknown-parameters',
        'warn',
        '-n',
        'team-a',
        '--context',
        'kind-dev',
        '--kubeconfig',
        '/tmp/kc',
      ]);
      expect(code).to.equal(0);
      expect(plain(options)).to.deep.equal({
        workflow: 'docker-build',
        name: 'build-1',
        kind: 'Workflow',
        set: ['a.b=1', 'tags[0]=x'],
        valuesFiles: ['one.yaml', 'two.yaml'],
        file: 'run.yaml',
        displayName: 'Nightly',
        dryRun: 'server',
        output: 'json',
        unknownParameters: 'warn',
        wait: false,
        timeoutMs: 0,
        pollIntervalMs: 2000,
        connection: { namespace: 'team-a', context: 'kind-dev', kubeconfig: '/tmp/kc' },
      });
    });

    it('defaults: no name means a generated one, dry run none', async () => {
      const { options } = await parseFlags<CreateOptions>(newCreateCommand, ['docker-build']);
      expect(plain(options)).to.deep.include({
        workflow: 'docker-build',
        dryRun: 'none',
        set: [],
        valuesFiles: [],
      });
      expect(options).not.to.have.property('name');
    });

    it('--generate-name with and without a prefix; --wait with --timeout', async () => {
      expect(
        (await parseFlags<CreateOptions>(newCreateCommand, ['wf', '--generate-name'])).options?.generateName,
      ).to.equal(true);
      expect(
        (await parseFlags<CreateOptions>(newCreateCommand, ['wf', '--generate-name', 'nightly-'])).options
          ?.generateName,
      ).to.equal('nightly-');
      const { options } = await parseFlags<CreateOptions>(newCreateCommand, [
        'wf',
        '--wait',
        '--timeout',
        '1m30s',
      ]);
      expect(options).to.deep.include({ wait: true, timeoutMs: 90_000 });
    });

    it('takes the Workflow from -f when WORKFLOW is absent', async () => {
      const { options, code } = await parseFlags<CreateOptions>(newCreateCommand, ['-f', 'run.yaml']);
      expect(code).to.equal(0);
      expect(options).to.deep.include({ file: 'run.yaml' });
      expect(options).not.to.have.property('workflow');
    });

    const usageErrors: [string[], RegExp][] = [
      [[], /give the WORKFLOW to run/],
      [['wf', 'name', '--generate-name'], /NAME or --generate-name, not both/],
      [['wf', '--dry-run', 'maybe'], /argument 'maybe' is invalid/],
      [['wf', '--kind', 'Pipeline'], /argument 'Pipeline' is invalid/],
      [['wf', '-o', 'table'], /argument 'table' is invalid/],
      [['wf', '--wait', '--dry-run', 'client'], /--wait cannot be used with --dry-run/],
      [['wf', '--timeout', '5m'], /--timeout only applies with --wait/],
      [['wf', '--wait', '--timeout', 'soon'], /--timeout must be a duration/],
      [['wf', '--bogus'], /unknown option '--bogus'/],
      [['wf', 'a', 'b'], /too many arguments/],
    ];
    for (const [argv, message] of usageErrors) {
      it(`exit 2 for ${argv.join(' ') || '(nothing)'}`, async () => {
        const { options, code, stderr } = await parseFlags<CreateOptions>(newCreateCommand, argv);
        expect(code).to.equal(2);
        expect(options).to.equal(undefined);
        expect(stderr).to.match(/^error: /);
        expect(stderr).to.match(message);
        expect(stderr.trimEnd().split('\n')).to.have.length(1);
      });
    }
  });

  describe('describe', () => {
    it('takes NAME and the connection flags', async () => {
      const { options } = await parseFlags<DescribeOptions>(newDescribeCommand, ['run-1', '-n', 'ns1']);
      expect(plain(options)).to.deep.equal({ name: 'run-1', connection: { namespace: 'ns1' } });
    });
    it('exit 2 without NAME', async () => {
      const { code, stderr } = await parseFlags<DescribeOptions>(newDescribeCommand, []);
      expect(code).to.equal(2);
      expect(stderr).to.equal("error: missing required argument 'name'\n");
    });
  });

  describe('list', () => {
    it('takes -A, -l, --workflow KIND/NAME and -o', async () => {
      const { options } = await parseFlags<ListOptions>(newListCommand, [
        '-A',
        '-l',
        'app=web',
        '--workflow',
        'clusterworkflow/docker-build',
        '-o',
        'wide',
      ]);
      expect(plain(options)).to.deep.equal({
        connection: { allNamespaces: true },
        labelSelector: 'app=web',
        workflow: { kind: 'ClusterWorkflow', name: 'docker-build' },
        output: 'wide',
      });
    });
    it('refuses -n together with -A', async () => {
      const { code, stderr } = await parseFlags<ListOptions>(newListCommand, ['-A', '-n', 'x']);
      expect(code).to.equal(2);
      expect(stderr).to.equal('error: --namespace and --all-namespaces cannot be used together\n');
    });
    it('refuses an unknown output format', async () => {
      expect((await parseFlags<ListOptions>(newListCommand, ['-o', 'xml'])).code).to.equal(2);
    });
  });

  describe('wait', () => {
    it('defaults to --for succeeded and no timeout', async () => {
      const { options } = await parseFlags<WaitOptions>(newWaitCommand, ['run-1']);
      expect(plain(options)).to.deep.include({ name: 'run-1', for: 'succeeded', timeoutMs: 0 });
    });
    it('takes --for completed and --timeout', async () => {
      const { options } = await parseFlags<WaitOptions>(newWaitCommand, [
        'run-1',
        '--for=completed',
        '--timeout=90',
      ]);
      expect(plain(options)).to.deep.include({ for: 'completed', timeoutMs: 90_000 });
    });
    it('refuses --for=started', async () => {
      expect((await parseFlags<WaitOptions>(newWaitCommand, ['r', '--for=started'])).code).to.equal(2);
    });
  });

  describe('params', () => {
    it('takes WORKFLOW, --kind and -o json', async () => {
      const { options } = await parseFlags<ParamsOptions>(newParamsCommand, [
        'wf',
        '--kind',
        'ClusterWorkflow',
        '-o',
        'json',
      ]);
      expect(plain(options)).to.deep.equal({
        workflow: 'wf',
        kind: 'ClusterWorkflow',
        output: 'json',
        connection: {},
      });
    });
  });

  describe('validate', () => {
    it('takes repeatable -f and --workflow-file, and -o json', async () => {
      const { options } = await parseFlags<ValidateOptions>(newValidateCommand, [
        '-f',
        'a.yaml',
        '-f',
        '-',
        '--workflow-file',
        'w1.yaml',
        '--workflow-file',
        'w2.yaml',
        '-o',
        'json',
      ]);
      expect(plain(options)).to.deep.equal({
        files: ['a.yaml', '-'],
        workflowFiles: ['w1.yaml', 'w2.yaml'],
        output: 'json',
        connection: {},
      });
    });
    for (const [argv, message] of [
      [[], 'give the runs to check with -f FILE'],
      [['-f', '-', '-f', '-'], '-f - (stdin) can be given once'],
      [['-f', 'a', '--workflow-file', '-'], '--workflow-file cannot read stdin'],
      [['-f', 'a', '-o', 'yaml'], "argument 'yaml' is invalid"],
    ] as const) {
      it(`exit 2: ${message}`, async () => {
        const { code, stderr } = await parseFlags<ValidateOptions>(newValidateCommand, [...argv]);
        expect(code).to.equal(2);
        expect(stderr).to.include(message);
      });
    }
  });

  describe('completion', () => {
    it('takes bash or zsh only', async () => {
      expect((await parseFlags<CompletionOptions>(newCompletionCommand, ['zsh'])).options?.shell).to.equal(
        'zsh',
      );
      expect((await parseFlags<CompletionOptions>(newCompletionCommand, ['fish'])).code).to.equal(2);
    });
  });

  describe('the root command', () => {
    it('prints kubectl workflowrun in usage and the exit codes in --help', async () => {
      const { code, stdout } = await run(new FakeKube(), ['--help']);
      expect(code).to.equal(0);
      expect(stdout).to.match(/^Usage: kubectl workflowrun <command> \[flags\]/);
      expect(stdout).to.include('Exit codes:');
      for (const command of ['create', 'describe', 'list', 'wait', 'params', 'validate', 'completion']) {
        expect(stdout).to.include(`  ${command}`);
      }
      expect(stdout).not.to.include('__complete');
    });

    it('names subcommands as kubectl workflowrun <command> in their help', async () => {
      const { stdout } = await run(new FakeKube(), ['describe', '--help']);
      expect(stdout).to.match(/^Usage: kubectl workflowrun describe \[options\] <name>/);
      expect(stdout).to.include('Exit codes:');
    });

    it('exit 2 with usage on stderr when no command is given', async () => {
      const { code, stdout, stderr } = await run(new FakeKube(), []);
      expect(code).to.equal(2);
      expect(stdout).to.equal('');
      expect(stderr).to.include('Usage: kubectl workflowrun');
    });

    it('exit 2 for an unknown command, with a suggestion', async () => {
      const { code, stderr } = await run(new FakeKube(), ['descrbe', 'x']);
      expect(code).to.equal(2);
      expect(stderr).to.match(/^error: unknown command 'descrbe'/);
      expect(stderr).to.include('describe');
    });

    it('accepts connection flags before the command', async () => {
      const kube = new FakeKube();
      const { code, stderr } = await run(kube, ['-n', 'elsewhere', 'describe', 'missing']);
      expect(code).to.equal(1);
      expect(stderr).to.equal('error: workflowrun "missing" not found in namespace "elsewhere"\n');
    });
  });
});
