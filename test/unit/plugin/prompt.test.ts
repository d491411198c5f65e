// What `create` asks on a terminal (kubectl-plugin/prompt.ts): the questions a schema and the given parameters
// lead to, and how each is put. Answering them in a real terminal is tested end to end (tmux, test/e2e).
import { expect } from 'chai';

import type { JSONSchema } from '../../../core/index.ts';
import { newCreateCommand, type CreateOptions } from '../../../kubectl-plugin/commands/create.ts';
import {
  answerValue,
  defaultedLeaves,
  errorsAt,
  missingRequired,
  questionText,
} from '../../../kubectl-plugin/prompt.ts';
import { parseFlags } from '../../support/plugin-fakes.ts';

const schema: JSONSchema = {
  type: 'object',
  required: ['repository', 'replicas'],
  properties: {
    repository: {
      type: 'object',
      required: ['url'],
      properties: {
        url: { type: 'string', description: 'Repository to clone' },
        branch: { type: 'string', default: 'main' },
      },
    },
    replicas: { type: 'integer' },
    tier: { type: 'string', enum: ['dev', 'prod'], default: 'dev' },
  },
};

describe('plugin create prompts', () => {
  describe('flags', () => {
    it('--no-prompt and --prompt-all, not both', async () => {
      expect(
        (await parseFlags<CreateOptions>(newCreateCommand, ['w', '--no-prompt'])).options,
      ).to.deep.include({
        noPrompt: true,
      });
      expect(
        (await parseFlags<CreateOptions>(newCreateCommand, ['w', '--prompt-all'])).options,
      ).to.deep.include({
        promptAll: true,
      });
      const both = await parseFlags<CreateOptions>(newCreateCommand, ['w', '--no-prompt', '--prompt-all']);
      expect(both.code).to.equal(2);
      expect(both.stderr).to.equal('error: give --no-prompt or --prompt-all, not both\n');
    });
  });

  describe('run', () => {
    it('asks for each required parameter without a value, field by field inside a missing object', () => {
      expect(missingRequired(schema, { tier: 'dev' }).map((question) => question.path)).to.deep.equal([
        ['repository', 'url'],
        ['replicas'],
      ]);
      expect(missingRequired(schema, { repository: { url: 'x' }, replicas: 1 })).to.deep.equal([]);
    });

    it('--prompt-all also asks for what has a default the user did not set', () => {
      expect(defaultedLeaves(schema, { tier: 'prod' }).map((question) => question.path)).to.deep.equal([
        ['repository', 'branch'],
      ]);
    });

    it('shows the path, type, choices, description and default', () => {
      const [url] = missingRequired(schema, {});
      expect(questionText(url!)).to.equal('repository.url (string): Repository to clone? ');
      const tier = { path: ['tier'], schema: (schema.properties as Record<string, JSONSchema>).tier! };
      expect(questionText(tier)).to.equal('tier (string, one of dev|prod) [dev]? ');
    });

    it('takes a string as typed and anything else as --set types it', () => {
      expect(answerValue('3', { type: 'string' })).to.equal('3');
      expect(answerValue('3', { type: 'integer' })).to.equal(3);
      expect(answerValue('[1,2]', { type: 'array' })).to.deep.equal([1, 2]);
    });

    it("keeps only the errors about the question's own field", () => {
      const errors = [
        { field: 'spec.workflow.parameters.replicas', message: 'Required value' },
        { field: 'spec.workflow.parameters.repository.url', message: 'Invalid value' },
        { field: 'spec.workflow.parameters.repository.urls', message: 'Unknown field' },
      ];
      expect(errorsAt(errors, ['repository', 'url'])).to.deep.equal([errors[1]]);
    });
  });
});
