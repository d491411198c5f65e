// `kubectl workflowrun`: the command tree: usage, help, exit codes and flags given before the command. The flags
// block builds the command with a runF that captures the options it would run with; the run block runs it against
// the fake API server, output compared with golden files.
import { expect } from 'chai';

import { newRootCommand, runCLI } from '../../../kubectl-plugin/commands/root.ts';
import { FakeKube, run, testFactory } from '../../support/plugin-fakes.ts';

describe('plugin root', () => {
  describe('flags', () => {
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

    it('answers a line that starts with a command exactly as the whole tree does', async () => {
      const lines = [
        ['describe', '--help'],
        ['describe'],
        ['describe', 'a', 'b'],
        ['describe', '--wach', 'a'],
        ['describe', 'missing', '-n', 'elsewhere'],
        ['list', '-o', 'yaml'],
        ['create', '--help'],
        ['completion', 'fish'],
        ['validate'],
        ['policy', '--help'],
        ['__complete', 'des'],
        ['__complete', 'describe', '--'],
      ];
      for (const argv of lines) {
        const alone = testFactory(new FakeKube());
        const whole = testFactory(new FakeKube());
        const codes = [
          await runCLI(alone.factory, argv),
          await runCLI(whole.factory, argv, newRootCommand(whole.factory)),
        ];
        expect([codes[0], alone.stdout(), alone.stderr()], argv.join(' ')).to.deep.equal([
          codes[1],
          whole.stdout(),
          whole.stderr(),
        ]);
      }
    });
  });
});
