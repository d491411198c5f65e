// The architecture's import rules (eslint.config.js) fail the lint on a forbidden import: proven here on source
// text placed, for the linter, in each folder the rules guard.
import { ESLint } from 'eslint';
import { expect } from 'chai';

import { REPO_ROOT } from '../../local-cluster/tools.ts';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter(
      (message) => message.ruleId === 'no-restricted-imports' || message.ruleId === 'no-restricted-syntax',
    )
    .map((message) => message.message);
}

describe('lint: architecture boundaries', function () {
  this.timeout(60_000);

  for (const [module, code] of [
    ['express', "import express from 'express';\nexport const app = express;\n"],
    ['commander', "import { Command } from 'commander';\nexport const c = Command;\n"],
    ['node:https', "import { request } from 'node:https';\nexport const r = request;\n"],
    ['client-node', "import { KubeConfig } from '@kubernetes/client-node';\nexport const k = KubeConfig;\n"],
    [
      'a client-node module',
      "import { KubeConfig } from '@kubernetes/client-node/dist/config.js';\nexport const k = KubeConfig;\n",
    ],
    ['the webhook', "import { allowed } from '../webhook/admission.ts';\nexport const a = allowed;\n"],
  ] as const) {
    it(`refuses ${module} in core/`, async () => {
      expect(await restrictedImports('core/probe.ts', code)).to.have.length(1);
    });
  }

  it('refuses a core internal in webhook/ and kubectl-plugin/, statically and dynamically', async () => {
    const staticImport =
      "import { compileValidator } from '../core/validation.ts';\nexport const v = compileValidator;\n";
    expect(await restrictedImports('webhook/probe.ts', staticImport)).to.have.length(1);
    expect(await restrictedImports('kubectl-plugin/probe.ts', staticImport)).to.have.length(1);
    const dynamicImport = "export const v = () => import('../../core/validation.ts');\n";
    expect(await restrictedImports('kubectl-plugin/commands/probe.ts', dynamicImport)).to.have.length(1);
  });

  it('lets webhook/ and kubectl-plugin/ use the two faces', async () => {
    const faces =
      "import { GROUP } from '../core/index.ts';\nimport { compileWorkflow } from '../core/engine.ts';\n" +
      "export const v = [GROUP, compileWorkflow, () => import('../core/engine.ts')];\n";
    expect(await restrictedImports('webhook/probe.ts', faces)).to.deep.equal([]);
    expect(await restrictedImports('kubectl-plugin/probe.ts', faces)).to.deep.equal([]);
  });

  it('keeps the webhook and the plugin apart', async () => {
    expect(
      await restrictedImports(
        'webhook/probe.ts',
        "import { runCLI } from '../kubectl-plugin/commands/root.ts';\nexport const r = runCLI;\n",
      ),
    ).to.have.length(1);
    expect(
      await restrictedImports(
        'kubectl-plugin/probe.ts',
        "import { allowed } from '../webhook/admission.ts';\nexport const a = allowed;\n",
      ),
    ).to.have.length(1);
  });
});
