// `kubectl workflowrun completion`: shell completion scripts. The flags block builds the command with a runF that
// captures the options it would run with; the run block runs it against the fake API server, output compared with
// golden files.
import { expect } from 'chai';

import { newCompletionCommand, type CompletionOptions } from '../../../kubectl-plugin/commands/completion.ts';
import { parseFlags } from '../../support/plugin-fakes.ts';

describe('plugin completion', () => {
  describe('flags', () => {
    it('takes bash or zsh only', async () => {
      expect((await parseFlags<CompletionOptions>(newCompletionCommand, ['zsh'])).options?.shell).to.equal(
        'zsh',
      );
      expect((await parseFlags<CompletionOptions>(newCompletionCommand, ['fish'])).code).to.equal(2);
    });
  });
});
