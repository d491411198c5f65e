// `kubectl workflowrun completion`: shell completion scripts. The flags block builds the command with a runF that
// captures the options it would run with; the run block runs it against the fake API server, output compared with
// golden files.
import { expect } from 'chai';

import { newCompletionCommand, type CompletionOptions } from '../../../kubectl-plugin/commands/completion.ts';
import { parseFlags, run } from '../../support/plugin-fakes.ts';
import { nameOf, namespaceOf, runFixture, v1Cluster } from '../../support/plugin-objects.ts';

describe('plugin completion', () => {
  describe('flags', () => {
    it('takes bash or zsh only', async () => {
      expect((await parseFlags<CompletionOptions>(newCompletionCommand, ['zsh'])).options?.shell).to.equal(
        'zsh',
      );
      expect((await parseFlags<CompletionOptions>(newCompletionCommand, ['fish'])).code).to.equal(2);
    });
  });

  describe('run', () => {
    it('completes run names for describe, wait and rerun, and Workflow names for create', async () => {
      const kube = v1Cluster().add(runFixture('succeeded'));
      const name = nameOf(runFixture('succeeded'));
      const namespace = namespaceOf(runFixture('succeeded'));
      for (const verb of ['describe', 'wait', 'rerun']) {
        const { stdout } = await run(kube, ['__complete', verb, '-n', namespace, '']);
        expect(stdout, verb).to.equal(`${name}\n:4\n`);
      }
      const { stdout } = await run(kube, ['__complete', 'create', '']);
      expect(stdout).to.include('docker-build\n');
    });
  });
});
