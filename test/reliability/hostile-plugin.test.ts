// Hostile files and flags for `kubectl workflowrun validate`, run as the bundled program in a child process: an
// unusable input ends with exit code 2 and one line on stderr, nothing ever ends with a stack trace, a crash or a
// hang. The plugin owns the exact wording; this suite owns the shape of the failure.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../local-cluster/tools.ts';
import { pluginCases, pluginFile, type PluginCase } from './corpus/recipes.ts';
import { recordResult } from './results.ts';
import { PLUGIN_BUNDLE, scratchDirectory } from './support.ts';

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function runPlugin(
  args: string[],
  options: { stdin?: string; timeoutMs?: number; cwd: string },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PLUGIN_BUNDLE, ...args], {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      // No cluster: a case that reaches for one must fail as an input problem, not wait on a network.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: options.cwd,
        KUBECONFIG: join(options.cwd, 'no-kubeconfig'),
        NO_COLOR: '1',
      },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

function problemsOf(testCase: PluginCase, outcome: Outcome, timeoutMs = 20_000): string[] {
  const problems: string[] = [];
  const where = `${testCase.id} (${testCase.description})`;
  if (outcome.timedOut) return [`${where}: no exit within ${timeoutMs / 1000} s (hung)`];
  if (outcome.signal) return [`${where}: killed by ${outcome.signal}`];
  if (/\n\s+at .+[:(]/.test(outcome.stderr) || /\n\s+at .+[:(]/.test(outcome.stdout)) {
    problems.push(`${where}: a stack trace: ${outcome.stderr.slice(0, 300)}`);
  }
  const allowed = testCase.expect === 2 ? [2] : testCase.expect === 'not-0' ? [1, 2] : [0, 1, 2];
  if (!allowed.includes(outcome.code ?? -1)) {
    problems.push(
      `${where}: exit ${outcome.code}, expected ${allowed.join(' or ')}; stderr: ${outcome.stderr.slice(0, 300)}`,
    );
  }
  if (outcome.code === 2) {
    // Commander's spelling suggestion for a mistyped command is a second line worth keeping.
    const lines = outcome.stderr
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('(Did you mean'));
    if (lines.length !== 1)
      problems.push(`${where}: exit 2 with ${lines.length} lines on stderr: ${outcome.stderr.slice(0, 400)}`);
    // The line may quote what the user gave (a path), but not echo whole files.
    const longestArgument = Math.max(...testCase.args.map((arg) => arg.length));
    if (lines[0] !== undefined && lines[0].length > 3 * longestArgument + 1000) {
      problems.push(`${where}: a ${lines[0].length}-character error line`);
    }
  }
  return problems;
}

describe('reliability: hostile files and flags for kubectl workflowrun validate', function () {
  this.timeout(300_000);
  const cases = pluginCases();
  const directory = scratchDirectory('plugin');
  const figures: Record<string, unknown> = { pluginCases: cases.length };

  before(function () {
    if (!existsSync(PLUGIN_BUNDLE)) {
      console.log(`      skipped: ${PLUGIN_BUNDLE} does not exist (make build)`);
      this.skip();
    }
  });
  after(() => {
    directory.remove();
    recordResult('hostile-plugin', figures);
  });

  const isHuge = (testCase: PluginCase) => Object.values(testCase.files).some((entry) => 'recipe' in entry);
  const regular = cases.filter((testCase) => !isHuge(testCase));

  async function runCase(testCase: PluginCase, timeoutMs = 20_000): Promise<Outcome> {
    const caseDir = join(directory.path, testCase.id);
    mkdirSync(caseDir, { recursive: true });
    const paths: Record<string, string> = { dir: caseDir };
    for (const [name, entry] of Object.entries(testCase.files)) {
      paths[name] = join(caseDir, `${name}.yaml`);
      writeFileSync(paths[name], pluginFile(entry, testCase.id));
    }
    const args = testCase.args.map((arg) =>
      arg.replace(/\{(\w+)\}/g, (_, name: string) => paths[name] ?? `{${name}}`),
    );
    return runPlugin(args, { cwd: caseDir, timeoutMs });
  }

  it(`${regular.length} hostile inputs: exit 2 with one line for unusable input, never a stack trace, crash or hang`, async function () {
    const problems: string[] = [];
    const exitCodes: Record<string, number> = {};
    // Two at a time: each case is a Node start-up, and the machine is shared.
    const queue = [...regular];
    const worker = async () => {
      for (let testCase = queue.shift(); testCase; testCase = queue.shift()) {
        const outcome = await runCase(testCase);
        exitCodes[String(outcome.code)] = (exitCodes[String(outcome.code)] ?? 0) + 1;
        problems.push(...problemsOf(testCase, outcome));
      }
    };
    await Promise.all([worker(), worker()]);
    figures.pluginExitCodes = exitCodes;
    figures.pluginProblems = problems.length;
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  for (const testCase of cases.filter(isHuge)) {
    // Regression: the yaml library's own duplicate-key check compared every key with every other (40,000 keys
    // took ~10 s, this file minutes); core/yaml.ts now checks with a set.
    it(`answers a huge file (${testCase.description}) within 30 s`, async function () {
      const outcome = await runCase(testCase, 30_000);
      const problems = problemsOf(testCase, outcome, 30_000);
      figures.hugeFileProblems = problems.length;
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });
  }

  it('a valid run and its Workflow still pass afterwards (the corpus did not test a broken program)', async function () {
    const outcome = await runPlugin(
      [
        'validate',
        '-f',
        join(
          REPO_ROOT,
          'test/reliability/corpus/plugin/inputs',
          `${cases.find((c) => c.description === 'workflow file is a run')!.id}-run`,
        ),
        '--workflow-file',
        join(REPO_ROOT, 'test/reliability/corpus/plugin/inputs', `${cases[0]!.id}-workflow`),
      ],
      { cwd: directory.path },
    );
    expect(outcome.code, outcome.stderr).to.equal(0);
  });
});
