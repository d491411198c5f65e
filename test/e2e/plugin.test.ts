// `kubectl workflowrun` end to end: the real kubectl finds the bundled plugin on PATH (its plugin discovery), and
// the plugin talks to the real control plane with OpenChoreo's CRDs. Statuses are written through the status
// subresource exactly as OpenChoreo's controller writes them (conditions.md). The last suite of each version runs
// with the webhook program registered, so the plugin's own checks and the cluster's are seen together.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';

import {
  check,
  loadSamples,
  registeredWebhook,
  sampleYaml,
  withCluster,
  type CommandResult,
} from './harness.ts';
import { REPO_ROOT, binary } from '../../local-cluster/tools.ts';
import { controllerConditions, statusTime, type RunOutcome } from './controller-status.ts';
import { startHttpConnectProxy, startSocks5Proxy } from '../support/proxies.ts';

const DIST = path.join(REPO_ROOT, 'dist');
const EXECUTABLES = ['kubectl-workflowrun', 'kubectl_complete-workflowrun'];

/** A PATH folder with the bundled executables under the names kubectl looks for (no `.cjs`). */
function pluginPath(): { dir: string; cleanup: () => void } {
  if (!existsSync(path.join(DIST, 'kubectl-workflowrun.cjs'))) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'plugin-e2e-bin-'));
  for (const name of EXECUTABLES) symlinkSync(path.join(DIST, `${name}.cjs`), path.join(dir, name));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function controllerStatus(generation: number, outcome: RunOutcome) {
  const at = statusTime();
  return {
    startedAt: at,
    ...(outcome === 'running' ? {} : { completedAt: at }),
    conditions: controllerConditions(generation, outcome, at),
    runReference: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      name: 'argo-run',
      namespace: 'workflows',
    },
  };
}

for (const version of ['v1.x', 'v0.17'] as const) {
  describe(`kubectl workflowrun plugin on OpenChoreo ${version} CRDs`, function () {
    this.timeout(60_000);
    const e2e = withCluster(version);
    let bin: { dir: string; cleanup: () => void };
    before(() => {
      bin = pluginPath();
    });
    after(() => bin?.cleanup());

    /** `kubectl workflowrun <args>` through kubectl's plugin discovery, in the test's namespace. */
    function plugin(
      args: string[],
      options: { input?: string; kubeconfig?: string } = {},
    ): Promise<CommandResult> {
      const env: NodeJS.ProcessEnv = { PATH: `${bin.dir}:${process.env.PATH ?? ''}` };
      if (options.kubeconfig) env.KUBECONFIG = options.kubeconfig;
      return e2e.cluster.kubectl(['workflowrun', ...args, '-n', e2e.namespace], {
        env,
        ...(options.input === undefined ? {} : { input: options.input }),
      });
    }

    const workflowName = version === 'v1.x' ? 'dockerfile-builder' : 'generic-workflow-docker-build';

    async function applyWorkflow(): Promise<void> {
      const samples = await loadSamples(version);
      const workflow = samples.find((s) => s.name === workflowName);
      if (!workflow) throw new Error(`no ${workflowName} sample`);
      check(
        await e2e.kubectl(['apply', '-f', '-'], { input: sampleYaml(workflow, e2e.namespace) }),
        'apply Workflow',
      );
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk the stored object freely
    async function getRun(name: string): Promise<Record<string, any>> {
      return JSON.parse(check(await e2e.kubectl(['get', 'workflowrun', name, '-o', 'json']), 'get run'));
    }

    async function setStatus(name: string, outcome: 'succeeded' | 'failed' | 'running'): Promise<void> {
      const run = await getRun(name);
      const status = controllerStatus(run.metadata.generation as number, outcome);
      check(
        await e2e.kubectl([
          'patch',
          `workflowrun/${name}`,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({ status }),
        ]),
        'patch status',
      );
    }

    /** `create` with `--values` and `--set` over each other, and the stored run checked field by field. */
    async function createStoresDefaultedRun(name: string): Promise<void> {
      await applyWorkflow();
      const dir = mkdtempSync(path.join(tmpdir(), 'plugin-e2e-values-'));
      try {
        const values = path.join(dir, 'values.yaml');
        writeFileSync(
          values,
          stringify({
            repository: { url: 'https://github.com/openchoreo/sample-workloads', appPath: '/from-file' },
          }),
        );
        const result = await plugin([
          'create',
          workflowName,
          name,
          '--values',
          values,
          '--set',
          'repository.revision.branch=release',
          '--set',
          'repository.appPath=/from-flag',
        ]);
        expect(result.stderr).to.equal('');
        expect(result.code).to.equal(0);
        expect(result.stdout).to.equal(`workflowrun.openchoreo.dev/${name} created\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const stored = await getRun(name);
      const parameters = stored.spec.workflow.parameters;
      expect(parameters.repository).to.deep.equal({
        url: 'https://github.com/openchoreo/sample-workloads',
        appPath: '/from-flag',
        revision: { branch: 'release', commit: '' },
        ...(version === 'v1.x' ? { secretRef: '' } : {}),
      });
      expect(parameters.docker).to.have.keys('context', 'filePath');
      expect(stored.metadata.annotations['openchoreo.dev/display-name']).to.equal(`${workflowName}: ${name}`);
      if (version === 'v1.x') expect(stored.spec.workflow.kind).to.equal('ClusterWorkflow');
      else expect(stored.spec.workflow).not.to.have.property('kind');
    }

    it('create with --set and --values stores a complete, defaulted run', async function () {
      await createStoresDefaultedRun('run-1');
    });

    it('create with bad parameters lists every problem and stores nothing', async function () {
      await applyWorkflow();
      const result = await plugin([
        'create',
        workflowName,
        'bad-run',
        '--set',
        'repository.url=42',
        '--set',
        'docker.context=[1]',
        '--set',
        'colour=blue',
      ]);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).to.match(/^error: the parameters do not match .*; nothing was sent:$/);
      expect(lines.slice(1)).to.deep.equal([
        '  spec.workflow.parameters.colour: Unknown field',
        '  spec.workflow.parameters.docker.context: Invalid value: [1]: must be of type string',
        '  spec.workflow.parameters.repository.url: Invalid value: 42: must be of type string',
      ]);
      const listed = check(await e2e.kubectl(['get', 'workflowruns', '-o', 'name']), 'get runs');
      expect(listed).to.equal('');
    });

    it('validate without --workflow-file reads the Workflow from the cluster', async function () {
      await applyWorkflow();
      const run = (name: string, parameters: object) =>
        stringify({
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name },
          spec: {
            workflow: {
              ...(version === 'v1.x' ? { kind: 'ClusterWorkflow' } : {}),
              name: workflowName,
              parameters,
            },
          },
        });
      const good = await plugin(['validate', '-f', '-'], {
        input: run('checked', { repository: { url: 'https://github.com/openchoreo/sample-workloads' } }),
      });
      expect(good.stderr).to.equal('');
      expect(good.code).to.equal(0);
      expect(good.stdout).to.equal('stdin: WorkflowRun "checked" is valid\n');
      const bad = await plugin(['validate', '-f', '-'], {
        input: run('checked', { repository: { url: 42 } }),
      });
      expect(bad.code).to.equal(1);
      expect(bad.stdout).to.contain(
        '  spec.workflow.parameters.repository.url: Invalid value: 42: must be of type string',
      );
    });

    if (version === 'v1.x') {
      it('describe prints a parameter key with dots as --set takes it back', async function () {
        const workflow = {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Workflow',
          metadata: { name: 'labelled', namespace: e2e.namespace },
          spec: {
            parameters: {
              openAPIV3Schema: {
                type: 'object',
                properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
              },
            },
            runTemplate: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'x' } },
          },
        };
        check(await e2e.kubectl(['apply', '-f', '-'], { input: stringify(workflow) }), 'apply Workflow');
        const set = ['--kind', 'Workflow', '--set'];
        check(
          await plugin(['create', 'labelled', 'dotted', ...set, 'labels.app\\.kubernetes\\.io/name=greeter']),
          'create',
        );
        const described = await plugin(['describe', 'dotted']);
        expect(described.code).to.equal(0);
        const line = described.stdout.split('\n').find((text) => text.includes('greeter'));
        expect(line).to.match(/^ {2}labels\.app\\\.kubernetes\\\.io\/name += greeter$/);
        const printedPath = line!.trim().split(/ +=/)[0]!;
        const again = await plugin([
          'create',
          'labelled',
          ...set,
          `${printedPath}=greeter`,
          '--dry-run=client',
          '-o',
          'json',
        ]);
        expect(again.code).to.equal(0);
        expect(JSON.parse(again.stdout).spec.workflow.parameters).to.deep.equal(
          (await getRun('dotted')).spec.workflow.parameters,
        );
      });
    }

    it('describe and list render a run whose status the controller set', async function () {
      await applyWorkflow();
      check(
        await plugin(['create', workflowName, 'shown', '--set', 'repository.url=https://example.com/r']),
        'create',
      );
      await setStatus('shown', 'succeeded');
      const described = await plugin(['describe', 'shown']);
      expect(described.stderr).to.equal('');
      expect(described.code).to.equal(0);
      const fields = Object.fromEntries(
        described.stdout
          .split('\n\n')[0]!
          .split('\n')
          .map((line) => line.split(/:\s+/, 2) as [string, string]),
      );
      expect(fields).to.deep.include({
        Name: 'shown',
        Namespace: e2e.namespace,
        Status: 'Succeeded',
        Workflow: `${version === 'v1.x' ? 'ClusterWorkflow' : 'Workflow'}/${workflowName}`,
      });
      expect(described.stdout).to.match(/^ {2}repository\.url +=  ?https:\/\/example\.com\/r$/m);
      expect(described.stdout).to.match(/^ {2}repository\.revision\.branch += main {2}\(default\)$/m);
      expect(described.stdout).to.match(
        /^ {2}WorkflowSucceeded +True +WorkflowSucceeded +\d+s +Workflow completed successfully$/m,
      );
      expect(described.stdout).to.include('workflows');

      const listed = await plugin(['list']);
      expect(listed.code).to.equal(0);
      const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
      expect(header!.split(/\s{2,}/)).to.deep.equal(['NAME', 'WORKFLOW', 'STATUS', 'AGE']);
      expect(row!.split(/\s{2,}/).slice(0, 3)).to.deep.equal([
        'shown',
        `${version === 'v1.x' ? 'ClusterWorkflow' : 'Workflow'}/${workflowName}`,
        'Succeeded',
      ]);
      expect(rest).to.deep.equal([]);
    });

    it('wait exits 0 for a succeeded run and 1 for a failed one', async function () {
      await applyWorkflow();
      for (const name of ['will-pass', 'will-fail']) {
        check(
          await plugin(['create', workflowName, name, '--set', 'repository.url=https://example.com/r']),
          'create',
        );
        await setStatus(name, 'running');
      }
      const passing = plugin(['wait', 'will-pass', '--timeout', '30s']);
      const failing = plugin(['wait', 'will-fail', '--timeout', '30s']);
      // The waits watch the runs while they are still running; the controller then finishes them.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await setStatus('will-pass', 'succeeded');
      await setStatus('will-fail', 'failed');
      const [passed, failed] = await Promise.all([passing, failing]);
      // Without a terminal: a line per change (the run as it was when the wait began, then as it completed), then
      // the status line.
      expect(passed.code).to.equal(0);
      expect(passed.stdout.trimEnd().split('\n')).to.satisfy(
        (lines: string[]) =>
          lines.length === 3 &&
          lines[0]!.startsWith('will-pass Running ') &&
          lines[1]!.startsWith('will-pass Succeeded ') &&
          lines[2] === 'workflowrun.openchoreo.dev/will-pass Succeeded',
      );
      expect(failed.code).to.equal(1);
      expect(failed.stdout.trimEnd().split('\n').slice(-2)).to.satisfy(
        ([change, status]: string[]) =>
          change!.startsWith('will-fail Failed ') &&
          status === 'workflowrun.openchoreo.dev/will-fail Failed: Workflow execution failed',
      );
    });

    it('rerun stores the old parameters, one --set over them, the rest defaulted; --last picks the newest', async function () {
      await applyWorkflow();
      check(
        await plugin([
          'create',
          workflowName,
          'original',
          '--set',
          'repository.url=https://example.com/r',
          '--set',
          'repository.appPath=/original',
        ]),
        'create',
      );
      // Creation times have one-second resolution: the rerun must be newer for --last to tell them apart.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const again = await plugin(['rerun', 'original', 'again', '--set', 'repository.revision.branch=rerun']);
      expect(again.stderr).to.equal('');
      expect(again.code).to.equal(0);
      expect(again.stdout).to.equal('workflowrun.openchoreo.dev/again created\n');
      const original = (await getRun('original')).spec.workflow.parameters;
      const rerun = (await getRun('again')).spec.workflow.parameters;
      expect(rerun.repository).to.deep.equal({
        ...original.repository,
        revision: { ...original.repository.revision, branch: 'rerun' },
      });
      expect({ ...rerun, repository: undefined }).to.deep.equal({ ...original, repository: undefined });
      expect((await getRun('again')).metadata.annotations['openchoreo.dev/display-name']).to.equal(
        `${workflowName}: again`,
      );

      const latest = await plugin(['rerun', '--last', '--workflow', workflowName, 'latest']);
      expect(latest.stderr).to.equal('');
      expect(latest.code).to.equal(0);
      expect((await getRun('latest')).spec.workflow.parameters.repository.revision.branch).to.equal('rerun');
    });

    it('describe --watch prints each condition change written through the status subresource, and exits when the run completes', async function () {
      await applyWorkflow();
      check(
        await plugin(['create', workflowName, 'watched', '--set', 'repository.url=https://example.com/r']),
        'create',
      );
      const watching = plugin(['describe', 'watched', '--watch']);
      // The watch is open before the controller writes anything.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await setStatus('watched', 'running');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await setStatus('watched', 'succeeded');
      const watched = await watching;
      expect(watched.stderr).to.equal('');
      expect(watched.code).to.equal(0);
      const lines = watched.stdout.trimEnd().split('\n');
      expect(lines.at(0)).to.match(/^watched \S+$/);
      expect(lines).to.include('watched Running WorkflowCompleted=False WorkflowRunning=True');
      expect(lines.at(-1)).to.equal(
        'watched Succeeded WorkflowRunning=False WorkflowSucceeded=True WorkflowCompleted=True',
      );
    });

    it('list -w prints a new run when it appears', async function () {
      await applyWorkflow();
      const listing = spawn(binary('kubectl'), ['workflowrun', 'list', '-w', '-n', e2e.namespace], {
        env: {
          ...process.env,
          PATH: `${bin.dir}:${process.env.PATH ?? ''}`,
          KUBECONFIG: e2e.cluster.kubeconfigPath,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      listing.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise((resolve) => listing.on('exit', resolve));
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        check(
          await plugin(['create', workflowName, 'appears', '--set', 'repository.url=https://example.com/r']),
          'create',
        );
        for (let waited = 0; !/^appears /m.test(output) && waited < 10_000; waited += 100) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        listing.kill('SIGTERM');
        await exited;
      }
      const rows = output.trimEnd().split('\n');
      expect(rows[0]).to.match(/^NAME +WORKFLOW +STATUS +AGE$/);
      expect(rows.some((row) => /^appears +(Cluster)?Workflow\//.test(row))).to.equal(true);
    });

    if (version === 'v1.x') {
      describe('create on a terminal (tmux)', function () {
        // A Workflow whose required parameters can be answered wrongly: a pattern and a bounded integer.
        const promptedWorkflow = stringify({
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Workflow',
          metadata: { name: 'prompted' },
          spec: {
            parameters: {
              openAPIV3Schema: {
                type: 'object',
                required: ['url', 'replicas'],
                properties: {
                  url: { type: 'string', pattern: '^https://', description: 'Repository to clone' },
                  replicas: { type: 'integer', minimum: 1, maximum: 5 },
                  tier: { type: 'string', enum: ['dev', 'prod'], default: 'dev' },
                },
              },
            },
            runTemplate: {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: '${metadata.workflowRunName}' },
            },
          },
        });
        let socket: string;
        beforeEach(async function () {
          check(await e2e.kubectl(['apply', '-f', '-'], { input: promptedWorkflow }), 'apply Workflow');
          socket = `plugin-e2e-${process.pid}-${Date.now()}`;
        });
        // The tmux server is this test's own (its own socket): ending it ends only what the test started.
        afterEach(() => {
          execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
        });

        const tmux = (...args: string[]) =>
          execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
        /** Starts `kubectl workflowrun create ...` in a terminal; the pane then says EXIT=<code>. */
        function startInTerminal(args: string[]): void {
          const command = [
            `PATH=${bin.dir}:$PATH`,
            `KUBECONFIG=${e2e.cluster.kubeconfigPath}`,
            'kubectl',
            'workflowrun',
            ...args,
            '-n',
            e2e.namespace,
            '; echo EXIT=$?; sleep 600',
          ].join(' ');
          tmux('new-session', '-d', '-s', 'prompt', '-x', '200', '-y', '50', command);
        }
        async function screenShows(pattern: RegExp): Promise<string> {
          let screen = '';
          for (let waited = 0; waited < 15_000; waited += 100) {
            screen = tmux('capture-pane', '-p', '-t', 'prompt');
            if (pattern.test(screen)) return screen;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          throw new Error(`the terminal never showed ${pattern}:\n${screen}`);
        }

        it('asks for each missing required parameter, refuses a wrong answer and asks again, then stores the run', async function () {
          startInTerminal(['create', 'prompted', 'answered', '--kind', 'Workflow']);
          // The API server returns the schema's properties sorted, so replicas is asked first.
          await screenShows(/^replicas \(integer\)\?\s*$/m);
          tmux('send-keys', '-t', 'prompt', '9', 'Enter');
          await screenShows(/replicas: Invalid value: 9[^\n]*\n\s*replicas \(integer\)\?\s*$/m);
          tmux('send-keys', '-t', 'prompt', '3', 'Enter');
          await screenShows(/^url \(string\): Repository to clone\?\s*$/m);
          tmux('send-keys', '-t', 'prompt', 'ftp://wrong', 'Enter');
          const refused = await screenShows(
            /spec\.workflow\.parameters\.url: Invalid value[^\n]*\n\s*url \(string\): Repository to clone\?\s*$/m,
          );
          expect(refused).to.include('ftp://wrong');
          tmux('send-keys', '-t', 'prompt', 'https://example.com/r', 'Enter');
          const done = await screenShows(/^EXIT=\d+/m);
          expect(done).to.include('workflowrun.openchoreo.dev/answered created');
          expect(done).to.match(/^EXIT=0/m);
          const stored = await getRun('answered');
          expect(stored.spec.workflow.parameters).to.deep.equal({
            url: 'https://example.com/r',
            replicas: 3,
            tier: 'dev',
          });
        });

        it('Ctrl-C at a question sends nothing', async function () {
          startInTerminal(['create', 'prompted', 'abandoned', '--kind', 'Workflow']);
          await screenShows(/^replicas \(integer\)/m);
          tmux('send-keys', '-t', 'prompt', 'C-c');
          const done = await screenShows(/^EXIT=\d+/m);
          expect(done).to.match(/^EXIT=1/m);
          expect(done).to.include('error: abandoned at a prompt; nothing was sent');
          const lookup = await e2e.kubectl(['get', 'workflowrun', 'abandoned']);
          expect(lookup.code).to.equal(1);
        });

        it('without a terminal, or with --no-prompt, it fails as before and asks nothing', async function () {
          const piped = await plugin(['create', 'prompted', 'piped', '--kind', 'Workflow']);
          expect(piped.code).to.equal(1);
          expect(piped.stderr).to.equal(
            `error: the parameters do not match workflow "prompted" in namespace "${e2e.namespace}"; nothing was sent:\n` +
              '  spec.workflow.parameters.replicas: Required value\n' +
              '  spec.workflow.parameters.url: Required value\n',
          );
          startInTerminal(['create', 'prompted', 'unprompted', '--kind', 'Workflow', '--no-prompt']);
          const done = await screenShows(/^EXIT=\d+/m);
          expect(done).to.match(/^EXIT=1/m);
          expect(done).to.include('spec.workflow.parameters.url: Required value');
        });
      });
    }

    it('errors are one clear line: missing run, missing Workflow', async function () {
      const missingRun = await plugin(['describe', 'ghost']);
      expect(missingRun.code).to.equal(1);
      expect(missingRun.stderr).to.equal(
        `error: workflowrun "ghost" not found in namespace "${e2e.namespace}"\n`,
      );
      const missingWorkflow = await plugin(['create', 'no-such-workflow']);
      expect(missingWorkflow.code).to.equal(1);
      expect(missingWorkflow.stderr).to.equal(
        version === 'v1.x'
          ? 'error: clusterworkflow "no-such-workflow" not found\n'
          : `error: workflow "no-such-workflow" not found in namespace "${e2e.namespace}"\n`,
      );
    });

    it('errors are one clear line: unreachable server, forbidden namespace', async function () {
      const dir = mkdtempSync(path.join(tmpdir(), 'plugin-e2e-kubeconfig-'));
      try {
        const admin = parse(readFileSync(e2e.cluster.kubeconfigPath, 'utf8'));
        const unreachable = structuredClone(admin);
        for (const entry of unreachable.clusters) entry.cluster.server = 'https://127.0.0.1:1';
        const unreachablePath = path.join(dir, 'unreachable');
        writeFileSync(unreachablePath, stringify(unreachable));
        const down = await plugin(['list'], { kubeconfig: unreachablePath });
        expect(down.code).to.equal(1);
        expect(down.stderr).to.equal(
          'error: cannot reach the Kubernetes API server at https://127.0.0.1:1: connection refused\n',
        );

        check(await e2e.kubectl(['create', 'serviceaccount', 'nobody']), 'create sa');
        const token = check(await e2e.kubectl(['create', 'token', 'nobody']), 'create token').trim();
        const restricted = structuredClone(admin);
        restricted.users = [{ name: 'nobody', user: { token } }];
        for (const entry of restricted.contexts) entry.context.user = 'nobody';
        const restrictedPath = path.join(dir, 'restricted');
        writeFileSync(restrictedPath, stringify(restricted));
        const forbidden = await plugin(['list'], { kubeconfig: restrictedPath });
        expect(forbidden.code).to.equal(1);
        expect(forbidden.stderr).to.equal(
          `error: workflowruns.openchoreo.dev is forbidden: User "system:serviceaccount:${e2e.namespace}:nobody" cannot list resource "workflowruns" in API group "openchoreo.dev" in the namespace "${e2e.namespace}"\n`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    if (version === 'v1.x') {
      // The bundle loads child_process, the proxy agents and the auth providers' packages only when a kubeconfig
      // needs them (scripts/build.mjs): each of those ways in, through the bundle, on the real API server.
      it('signs in and connects as the kubeconfig says: exec credentials, a gcp cmd-path token, HTTP and SOCKS proxies', async function () {
        const dir = mkdtempSync(path.join(tmpdir(), 'plugin-e2e-kubeconfig-'));
        const proxies = [await startHttpConnectProxy(), await startSocks5Proxy()];
        try {
          const admin = parse(readFileSync(e2e.cluster.kubeconfigPath, 'utf8'));
          const adminUser = admin.users[0].user as Record<string, string>;
          const pem = (data: string) => Buffer.from(data, 'base64').toString('utf8');
          const kubeconfigWith = (name: string, edit: (config: typeof admin) => void): string => {
            const config = structuredClone(admin);
            edit(config);
            const file = path.join(dir, name);
            writeFileSync(file, stringify(config));
            return file;
          };
          const script = (name: string, output: unknown): string => {
            const file = path.join(dir, name);
            writeFileSync(file, `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(output)}\nEOF\n`, { mode: 0o755 });
            return file;
          };

          const credential = script('credential', {
            apiVersion: 'client.authentication.k8s.io/v1',
            kind: 'ExecCredential',
            status: {
              clientCertificateData: pem(adminUser['client-certificate-data']!),
              clientKeyData: pem(adminUser['client-key-data']!),
            },
          });
          const viaExec = kubeconfigWith('exec', (config) => {
            config.users = [
              {
                name: 'exec',
                user: {
                  exec: {
                    apiVersion: 'client.authentication.k8s.io/v1',
                    command: credential,
                    interactiveMode: 'Never',
                  },
                },
              },
            ];
            for (const entry of config.contexts) entry.context.user = 'exec';
          });
          const nothingListed = `No resources found in ${e2e.namespace} namespace.\n`;
          const listed = await plugin(['list'], { kubeconfig: viaExec });
          expect(listed.stderr).to.equal(nothingListed);
          expect(listed.code).to.equal(0);

          check(await e2e.kubectl(['create', 'serviceaccount', 'gcp-user']), 'create sa');
          const token = check(await e2e.kubectl(['create', 'token', 'gcp-user']), 'create token').trim();
          const gcloud = script('gcloud', {
            credential: { access_token: token, token_expiry: '2999-01-01T00:00:00Z' },
          });
          const viaGcp = kubeconfigWith('gcp', (config) => {
            config.users = [
              {
                name: 'gcp',
                user: {
                  'auth-provider': {
                    name: 'gcp',
                    config: {
                      'cmd-path': gcloud,
                      'token-key': '{.credential.access_token}',
                      'expiry-key': '{.credential.token_expiry}',
                    },
                  },
                },
              },
            ];
            for (const entry of config.contexts) entry.context.user = 'gcp';
          });
          // The token reached the server: it names the service account it was made for.
          const asServiceAccount = await plugin(['list'], { kubeconfig: viaGcp });
          expect(asServiceAccount.code).to.equal(1);
          expect(asServiceAccount.stderr).to.contain(
            `User "system:serviceaccount:${e2e.namespace}:gcp-user" cannot list resource "workflowruns"`,
          );

          for (const proxy of proxies) {
            const viaProxy = kubeconfigWith(`proxy-${proxy.url.split(':')[0]}`, (config) => {
              for (const entry of config.clusters) entry.cluster['proxy-url'] = proxy.url;
            });
            const proxied = await plugin(['list'], { kubeconfig: viaProxy });
            expect(proxied.stderr, proxy.url).to.equal(nothingListed);
            expect(proxied.code, proxy.url).to.equal(0);
            const server = new URL(admin.clusters[0].cluster.server as string);
            expect(proxy.tunnels, proxy.url).to.include(`${server.hostname}:${server.port}`);
          }
        } finally {
          await Promise.all(proxies.map((proxy) => proxy.close()));
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it('params shows the parameter tree and the compiled schema', async function () {
        await applyWorkflow();
        const tree = await plugin(['params', workflowName]);
        expect(tree.code).to.equal(0);
        expect(tree.stdout).to.match(/^repository\.url +string +yes +<none>/m);
        const schema = await plugin(['params', workflowName, '-o', 'json']);
        expect(JSON.parse(schema.stdout).required).to.deep.equal(['repository']);
      });

      it('kubectl completes subcommands and run names through kubectl_complete-workflowrun', async function () {
        await applyWorkflow();
        check(
          await plugin(['create', workflowName, 'complete-me', '--set', 'repository.url=https://x.io/r']),
          'create',
        );
        const env = { PATH: `${bin.dir}:${process.env.PATH ?? ''}` };
        const commands = await e2e.cluster.kubectl(['__complete', 'workflowrun', 'de'], { env });
        expect(commands.stdout.split('\n')[0]).to.match(/^describe\t/);
        expect(commands.stdout).to.match(/^:4$/m);
        const names = await e2e.cluster.kubectl(
          ['__complete', 'workflowrun', 'describe', '-n', e2e.namespace, 'compl'],
          { env },
        );
        expect(names.stdout.split('\n').slice(0, 2)).to.deep.equal(['complete-me', ':4']);
      });
    }

    // The same commands with the webhook program registered for real (URL + caBundle), as in webhook.test.ts.
    describe('with the admission webhook registered', function () {
      registeredWebhook(e2e);

      it('create with --set and --values still stores a complete, defaulted run', async function () {
        await createStoresDefaultedRun('run-with-webhook');
      });

      // The plugin checks with the policy it is given (--unknown-parameters allow lets an undeclared parameter
      // through); the webhook keeps the cluster's own (deny). Its denial must reach the user as the server wrote it.
      it("surfaces the webhook's denial verbatim, for a create and a server dry run, and stores nothing", async function () {
        await applyWorkflow();
        for (const dryRun of [[], ['--dry-run=server']]) {
          const result = await plugin([
            'create',
            workflowName,
            'lenient',
            '--set',
            'repository.url=https://example.com/r',
            '--set',
            'colour=blue',
            '--unknown-parameters',
            'allow',
            ...dryRun,
          ]);
          expect(result.code, result.stderr).to.equal(1);
          expect(result.stdout).to.equal('');
          expect(result.stderr).to.equal(
            'error: admission webhook "validate-workflowrun.openchoreo.dev" denied the request: ' +
              'WorkflowRun "lenient" is invalid:\n' +
              '  spec.workflow.parameters.colour: Unknown field\n',
          );
        }
        const listed = check(await e2e.kubectl(['get', 'workflowruns', '-o', 'name']), 'get runs');
        expect(listed).to.equal('');
      });
    });
  });
}
