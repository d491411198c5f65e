// `kubectl workflowrun validate`: checking runs against their Workflows' schemas: the seed's examples and
// OpenChoreo's samples in both schema formats, the exact JSON shape, exit codes 0/1/2, one-line input errors naming
// the file, stdin, and Workflows read from the cluster. The flags block builds the command with a runF that captures
// the options it would run with; the run block runs it against the fake API server, output compared with golden
// files.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';

import type { JSONObject } from '../../../core/index.ts';
import { newValidateCommand, type ValidateOptions } from '../../../kubectl-plugin/commands/validate.ts';
import {
  FakeKube,
  UNREACHABLE,
  expectGolden,
  parseFlags,
  run,
  withoutDependencies,
} from '../../support/plugin-fakes.ts';
import { SAMPLES, SEED, dockerfileBuilder, seedDockerBuild } from '../../support/plugin-objects.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKFLOW_FIXTURES = path.resolve(here, '../../fixtures/workflows');
const V017_DOCKER_BUILD = `${SAMPLES}/v0.17/docker-build.yaml`;
const INTEGRATION_TESTS = `${WORKFLOW_FIXTURES}/integration-tests.yaml`;
/** The first sample run of a version: the seed's docker-build run 01 (of a ClusterWorkflow on v1.x). */
const firstSampleRun = (version: 'v0.17' | 'v1.x') =>
  readFileSync(`${SAMPLES}/${version}/runs.yaml`, 'utf8').split(/^---\n/m)[0]!;
// A file may hold other kinds too: an OpenChoreo Component that builds with the same ClusterWorkflow.
const COMPONENT = [
  'apiVersion: openchoreo.dev/v1alpha1',
  'kind: Component',
  'metadata: {name: greeter}',
  'spec: {workflow: {kind: ClusterWorkflow, name: dockerfile-builder}}',
  '',
].join('\n');

/** The seed API reference's example WorkflowRuns, in order, each with the title on the comment line above it. */
function seedExamples(): { title: string; text: string }[] {
  return readFileSync(SEED, 'utf8')
    .split(/^---\n/m)
    .map((text) => ({ title: /^# (.+)\napiVersion:/m.exec(text)?.[1] ?? '', text }));
}

interface JsonResult {
  name: string;
  valid: boolean;
  errors: { field: string; message: string }[];
  warnings: string[];
  object: JSONObject;
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JsonResult);

describe('plugin validate', () => {
  describe('flags', () => {
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
      expect(withoutDependencies(options)).to.deep.equal({
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

  describe('run', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'plugin-validate-'));
    });
    const file = (name: string, text: string) => {
      const full = path.join(dir, name);
      writeFileSync(full, text);
      return full;
    };

    describe("the seed's examples", () => {
      const examples = seedExamples();
      it('finds the four WorkflowRun examples', () => {
        expect(examples.map((e) => e.title)).to.deep.equal([
          'Docker Build WorkflowRun',
          'Docker Build with Specific Commit',
          'Integration Test WorkflowRun',
          'Minimal WorkflowRun Using Defaults',
        ]);
      });

      for (const [index, example] of examples.entries()) {
        it(`${example.title} is valid`, async () => {
          const runFile = file(`seed-${index}.yaml`, example.text);
          const { code, stdout, stderr } = await run(new FakeKube(), [
            'validate',
            '-f',
            runFile,
            '--workflow-file',
            V017_DOCKER_BUILD,
            '--workflow-file',
            INTEGRATION_TESTS,
            '-o',
            'json',
          ]);
          expect(stderr).to.equal('');
          expect(code).to.equal(0);
          const [result, ...rest] = jsonLines(stdout);
          expect(rest).to.deep.equal([]);
          expect(result).to.deep.include({ valid: true, errors: [], warnings: [] });
        });
      }

      it('the minimal example comes back fully defaulted', async () => {
        const minimal = examples.find((e) => e.title.startsWith('Minimal'))!;
        const { stdout } = await run(new FakeKube(), [
          'validate',
          '-f',
          file('minimal.yaml', minimal.text),
          '--workflow-file',
          V017_DOCKER_BUILD,
          '-o',
          'json',
        ]);
        const [result] = jsonLines(stdout);
        expect(result!.name).to.equal('simple-workflow-run');
        expect((result!.object.spec as JSONObject).workflow).to.deep.equal({
          name: 'generic-workflow-docker-build',
          parameters: {
            repository: {
              url: 'https://github.com/myorg/hello-world',
              revision: { branch: 'main', commit: '' },
              appPath: '/service-go-greeter',
            },
            docker: { context: '/service-go-greeter', filePath: '/service-go-greeter/Dockerfile' },
          },
        });
        expect((result!.object.metadata as JSONObject).annotations).to.deep.equal({
          'openchoreo.dev/display-name': 'generic-workflow-docker-build: simple-workflow-run',
        });
      });

      it('prints a short human report without -o', async () => {
        const runs = examples.map((e) => e.text).join('---\n');
        const { code, stdout } = await run(
          new FakeKube(),
          ['validate', '-f', '-', '--workflow-file', V017_DOCKER_BUILD, '--workflow-file', INTEGRATION_TESTS],
          { stdin: runs },
        );
        expect(code).to.equal(0);
        expectGolden('validate/seed-examples.txt', stdout);
      });
    });

    describe("the project's samples", () => {
      const cases: [string, string[], string[]][] = [
        ['v0.17 seed runs', ['v0.17/runs.yaml'], ['v0.17/docker-build.yaml', 'v0.17/integration-tests.yaml']],
        [
          'v1.x seed runs (one without kind: the CRD default, ClusterWorkflow)',
          ['v1.x/runs.yaml'],
          ['v1.x/dockerfile-builder.yaml', 'v1.x/integration-tests.yaml'],
        ],
      ];
      for (const [title, runs, workflows] of cases) {
        it(`${title} is valid`, async () => {
          const argv = ['validate', '-o', 'json'];
          for (const f of runs) argv.push('-f', `${SAMPLES}/${f}`);
          for (const f of workflows) argv.push('--workflow-file', `${SAMPLES}/${f}`);
          // Every Workflow is in a file, so no cluster is needed: the fake is unreachable.
          const { code, stdout, stderr } = await run(UNREACHABLE, argv);
          expect(stderr).to.equal('');
          const results = jsonLines(stdout);
          expect(results.map((r) => [r.name, r.valid, r.errors])).to.deep.equal(
            results.map((r) => [r.name, true, []]),
          );
          expect(code).to.equal(0);
        });
      }

      it('v1.x ClusterWorkflow and run in one file is valid', async () => {
        const together = file(
          'together.yaml',
          `${readFileSync(`${SAMPLES}/v1.x/dockerfile-builder.yaml`, 'utf8')}---\n${firstSampleRun('v1.x')}`,
        );
        // Workflows that sit in the -f file itself need no cluster: the fake is unreachable.
        const { code, stdout, stderr } = await run(UNREACHABLE, ['validate', '-o', 'json', '-f', together]);
        expect(stderr).to.equal('');
        expect(jsonLines(stdout).map((r) => [r.name, r.valid, r.errors])).to.deep.equal([
          ['generic-workflow-run-docker-build-01', true, []],
        ]);
        expect(code).to.equal(0);
      });
    });

    describe('invalid runs', () => {
      const badRun = [
        'apiVersion: openchoreo.dev/v1alpha1',
        'kind: WorkflowRun',
        'metadata: {name: bad}',
        'spec:',
        '  workflow:',
        '    kind: ClusterWorkflow',
        '    name: dockerfile-builder',
        '    parameters:',
        '      repository: {appPath: 3}',
        '      colour: blue',
        '---',
        'apiVersion: openchoreo.dev/v1alpha1',
        'kind: WorkflowRun',
        'metadata: {name: good}',
        'spec: {workflow: {kind: ClusterWorkflow, name: dockerfile-builder, parameters: {repository: {url: "https://x"}}}}',
        '---',
        'apiVersion: openchoreo.dev/v1alpha1',
        'kind: WorkflowRun',
        'metadata: {name: nameless}',
        'spec: {workflow: {parameters: {}}}',
        '',
      ].join('\n');
      const workflowFile = () => file('builder.yaml', JSON.stringify(dockerfileBuilder()));

      it('exit 1, one JSON object per run, every error listed', async () => {
        const { code, stdout } = await run(new FakeKube(), [
          'validate',
          '-f',
          file('bad.yaml', badRun),
          '--workflow-file',
          workflowFile(),
          '-o',
          'json',
        ]);
        expect(code).to.equal(1);
        const results = jsonLines(stdout);
        expect(results.map((r) => Object.keys(r))).to.deep.equal(
          Array(3).fill(['name', 'valid', 'errors', 'warnings', 'object']),
        );
        expect(results.map((r) => [r.name, r.valid])).to.deep.equal([
          ['bad', false],
          ['good', true],
          ['nameless', false],
        ]);
        expect(results[0]!.errors).to.deep.equal([
          { field: 'spec.workflow.parameters.colour', message: 'Unknown field' },
          {
            field: 'spec.workflow.parameters.repository.appPath',
            message: 'Invalid value: 3: must be of type string',
          },
          { field: 'spec.workflow.parameters.repository.url', message: 'Required value' },
        ]);
        expect(results[2]!.errors).to.deep.equal([
          { field: 'spec.workflow.name', message: 'Required value' },
        ]);
      });

      it('the human report lists the errors under each invalid run', async () => {
        const { code, stdout } = await run(new FakeKube(), [
          'validate',
          '-f',
          file('bad.yaml', badRun),
          '--workflow-file',
          workflowFile(),
        ]);
        expect(code).to.equal(1);
        expectGolden('validate/invalid.txt', stdout.replaceAll(dir, '<dir>'));
      });

      it('--unknown-parameters warn turns an unknown field into a warning', async () => {
        const { stdout } = await run(new FakeKube(), [
          'validate',
          '-f',
          file('bad.yaml', badRun),
          '--workflow-file',
          workflowFile(),
          '-o',
          'json',
          '--unknown-parameters',
          'warn',
        ]);
        const [bad] = jsonLines(stdout);
        expect(bad!.errors.map((e) => e.field)).not.to.include('spec.workflow.parameters.colour');
        expect(bad!.warnings.join('\n')).to.include('colour');
      });
    });

    describe('unusable input: exit 2, one line naming the file', () => {
      const good = () =>
        file(
          'good.yaml',
          'kind: WorkflowRun\nmetadata: {name: r}\nspec: {workflow: {name: generic-workflow-docker-build}}\n',
        );

      const cases: [string, () => string[], RegExp][] = [
        [
          'an unreadable file',
          () => ['-f', path.join(dir, 'absent.yaml'), '--workflow-file', V017_DOCKER_BUILD],
          /absent\.yaml: no such file$/,
        ],
        [
          'bad YAML',
          () => ['-f', file('broken.yaml', 'kind: [\n'), '--workflow-file', V017_DOCKER_BUILD],
          /broken\.yaml: line \d+/,
        ],
        [
          'a file without runs',
          () => ['-f', V017_DOCKER_BUILD, '--workflow-file', V017_DOCKER_BUILD],
          /docker-build\.yaml: no WorkflowRun in it$/,
        ],
        [
          'a document that is not an object',
          () => ['-f', file('scalar.yaml', 'just text\n'), '--workflow-file', V017_DOCKER_BUILD],
          /scalar\.yaml: document 1 is not a Kubernetes object/,
        ],
        [
          'an unknown Workflow',
          () => ['-f', good(), '--workflow-file', INTEGRATION_TESTS],
          /good\.yaml: WorkflowRun "r" refers to Workflow or ClusterWorkflow "generic-workflow-docker-build", which is in none of .*integration-tests\.yaml$/,
        ],
        [
          'a malformed schema',
          () => [
            '-f',
            good(),
            '--workflow-file',
            file(
              'broken-schema.yaml',
              'kind: Workflow\nmetadata: {name: generic-workflow-docker-build}\nspec: {schema: {parameters: {port: "integer | minimum=abc"}}}\n',
            ),
          ],
          /broken-schema\.yaml: Workflow "generic-workflow-docker-build"/,
        ],
        [
          'an alias bomb',
          () => ['-f', file('bomb.yaml', aliasBomb()), '--workflow-file', V017_DOCKER_BUILD],
          /bomb\.yaml: /,
        ],
      ];
      for (const [title, argv, message] of cases) {
        it(title, async () => {
          const { code, stdout, stderr } = await run(UNREACHABLE, ['validate', ...argv()]);
          expect(code).to.equal(2);
          expect(stdout).to.equal('');
          expect(stderr.split('\n')).to.have.length(2);
          expect(stderr).to.match(/^error: /);
          expect(stderr.trimEnd()).to.match(message);
        });
      }
    });

    describe('Workflows from the cluster', () => {
      it('reads the Workflow of each run from the cluster when no --workflow-file is given', async () => {
        const kube = new FakeKube().add(dockerfileBuilder());
        const runFile = file('cluster-run.yaml', `${COMPONENT}---\n${firstSampleRun('v1.x')}`);
        const { code, stdout } = await run(kube, ['validate', '-f', runFile, '-o', 'json']);
        expect(code).to.equal(0);
        expect(jsonLines(stdout)[0]!.valid).to.equal(true);
        expect(
          kube.requests.filter((r) => r.verb === 'get').map((r) => `${r.plural}/${r.name}`),
        ).to.deep.equal(['clusterworkflows/dockerfile-builder']);
      });

      it('a run without kind uses a namespaced Workflow on v0.17 CRDs', async () => {
        const kube = new FakeKube().add(seedDockerBuild());
        kube.served = new Set(['workflowruns', 'workflows']);
        const { code } = await run(kube, ['validate', '-f', file('v017-run.yaml', firstSampleRun('v0.17'))]);
        expect(code).to.equal(0);
        expect(kube.requests.find((r) => r.verb === 'get')).to.deep.include({
          plural: 'workflows',
          namespace: 'default',
        });
      });

      it('exit 2 when the cluster has no such Workflow', async () => {
        const runFile = file('v1-run.yaml', firstSampleRun('v1.x'));
        const { code, stderr } = await run(new FakeKube(), ['validate', '-f', runFile]);
        expect(code).to.equal(2);
        expect(stderr).to.equal(
          `error: ${runFile}: WorkflowRun "generic-workflow-run-docker-build-01" refers to clusterworkflow "dockerfile-builder", which does not exist in the cluster\n`,
        );
      });

      it('exit 1 with one line when the cluster cannot be reached', async () => {
        const { code, stderr } = await run(UNREACHABLE, [
          'validate',
          '-f',
          file('v1-run.yaml', firstSampleRun('v1.x')),
        ]);
        expect(code).to.equal(1);
        expect(stderr).to.equal(`error: ${UNREACHABLE.message}\n`);
      });
    });

    it('keeps __proto__, constructor and prototype parameters as data', async () => {
      const hostile = [
        'kind: WorkflowRun',
        'metadata: {name: hostile}',
        'spec:',
        '  workflow:',
        '    name: generic-workflow-docker-build',
        '    parameters:',
        '      __proto__: {polluted: true}',
        '      constructor: {prototype: {polluted: true}}',
        '      repository: {prototype: 1}',
        '',
      ].join('\n');
      const { code, stdout } = await run(new FakeKube(), [
        'validate',
        '-f',
        file('hostile.yaml', hostile),
        '--workflow-file',
        V017_DOCKER_BUILD,
        '-o',
        'json',
      ]);
      expect(code).to.equal(1);
      const [result] = jsonLines(stdout);
      expect(result!.errors.map((e) => e.field)).to.include.members([
        'spec.workflow.parameters.__proto__',
        'spec.workflow.parameters.constructor',
      ]);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect(Object.getOwnPropertyNames(Object.prototype)).not.to.include('polluted');
    });

    it('reads JSON files and kubectl List documents', async () => {
      const list = {
        apiVersion: 'v1',
        kind: 'List',
        items: parseAllDocuments(firstSampleRun('v0.17')).map((d) => d.toJS()),
      };
      const { code, stdout } = await run(new FakeKube(), [
        'validate',
        '-f',
        file('list.json', JSON.stringify(list)),
        '--workflow-file',
        V017_DOCKER_BUILD,
        '-o',
        'json',
      ]);
      expect(code).to.equal(0);
      expect(jsonLines(stdout)).to.have.length(1);
    });
  });
});

function aliasBomb(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  let previous = 'a';
  for (const name of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) {
    lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
    previous = name;
  }
  return `${lines.join('\n')}\nkind: WorkflowRun\n`;
}
