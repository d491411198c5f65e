import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';
import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';

import {
  formatFieldErrors,
  type JSONObject,
  type JSONValue,
  type WorkflowObject,
  type WorkflowRunObject,
  DISPLAY_NAME_ANNOTATION,
} from '../../core/index.ts';
import {
  defaultedParts,
  defaultRun,
  displayNameFor,
  MAX_RUN_DEPTH,
  prepareRun,
  compileWorkflow,
  parseDocuments,
} from '../../core/engine.ts';

const SAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../local-cluster/openchoreo/samples',
);
const DOCKER_BUILD = path.join(SAMPLES, 'v0.17/docker-build.yaml');

function loadFile(file: string): JSONObject[] {
  return parseDocuments(readFileSync(file, 'utf8'), file) as JSONObject[];
}

/** The example runs of the seed's API reference, in order (our v0.17 samples hold them). */
function seedRuns(): WorkflowRunObject[] {
  return loadFile(path.join(SAMPLES, 'v0.17/runs.yaml')) as WorkflowRunObject[];
}

// The seed's "Integration Test WorkflowRun" names a Workflow the seed does not show; this is the smallest shorthand
// Workflow its parameters fit.
const integrationTests: WorkflowObject = {
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'integration-tests', namespace: 'default' },
  spec: {
    schema: {
      parameters: {
        repository: { url: 'string', branch: 'string | default=main' },
        testCommand: 'string | default="npm test"',
        environment: 'string | default=dev enum=dev,staging,prod',
      },
    },
  },
};

/** The JSON Patch the webhook would send: it must only add. */
function patchOps(before: unknown, after: unknown): fastJsonPatch.Operation[] {
  return fastJsonPatch.compare(before as object, after as object);
}

describe("core/run: the seed's examples", () => {
  const dockerBuild = loadFile(DOCKER_BUILD)[0] as WorkflowObject;
  const compiledDockerBuild = compileWorkflow(dockerBuild);
  const runs = seedRuns();

  it('finds the four example runs', () => {
    expect(runs.map((run) => run.metadata?.name)).to.deep.equal([
      'generic-workflow-run-docker-build-01',
      'generic-workflow-run-docker-build-02',
      'integration-test-run-01',
      'simple-workflow-run',
    ]);
  });

  it('are all valid, only gain defaults and a display name, and are stable under a second pass', () => {
    for (const run of runs) {
      const workflow = run.spec?.workflow?.name === 'integration-tests' ? integrationTests : dockerBuild;
      const compiled = workflow === dockerBuild ? compiledDockerBuild : compileWorkflow(workflow);
      const before = structuredClone(run);
      const prepared = prepareRun(run, workflow, compiled);
      expect(prepared.errors, `${run.metadata?.name}: ${formatFieldErrors(prepared.errors)}`).to.deep.equal(
        [],
      );
      expect(prepared.warnings).to.deep.equal([]);
      expect(run, 'input untouched').to.deep.equal(before);
      for (const op of patchOps(run, prepared.object)) expect(op.op, JSON.stringify(op)).to.equal('add');
      expect(prepared.object.metadata?.annotations?.[DISPLAY_NAME_ANNOTATION]).to.equal(
        `${workflow.metadata?.name}: ${run.metadata?.name}`,
      );
      const again = prepareRun(prepared.object, workflow, compiled);
      expect(patchOps(prepared.object, again.object)).to.deep.equal([]);
    }
  });

  it('the minimal run comes back complete', () => {
    const minimal = runs[3]!;
    expect(prepareRun(minimal, dockerBuild, compiledDockerBuild).object).to.deep.equal({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'WorkflowRun',
      metadata: {
        name: 'simple-workflow-run',
        annotations: { [DISPLAY_NAME_ANNOTATION]: 'generic-workflow-docker-build: simple-workflow-run' },
      },
      spec: {
        workflow: {
          name: 'generic-workflow-docker-build',
          parameters: {
            repository: {
              url: 'https://github.com/myorg/hello-world',
              appPath: '/service-go-greeter',
              revision: { branch: 'main', commit: '' },
            },
            docker: { context: '/service-go-greeter', filePath: '/service-go-greeter/Dockerfile' },
          },
        },
      },
    });
  });

  it('a run with no parameters at all gets every default of the docker-build Workflow', () => {
    const run: WorkflowRunObject = {
      metadata: { name: 'bare' },
      spec: { workflow: { name: 'generic-workflow-docker-build' } },
    };
    const prepared = prepareRun(run, dockerBuild, compiledDockerBuild);
    expect(prepared.errors).to.deep.equal([]);
    expect(prepared.object.spec?.workflow?.parameters).to.deep.equal({
      docker: { context: '/service-go-greeter', filePath: '/service-go-greeter/Dockerfile' },
      repository: {
        appPath: '/service-go-greeter',
        revision: { branch: 'main', commit: '' },
        url: 'https://github.com/openchoreo/sample-workloads',
      },
    });
  });
});

describe("core/run: the project's samples in both formats", () => {
  for (const version of ['v0.17', 'v1.x']) {
    const directory = path.join(SAMPLES, version);
    const documents = readdirSync(directory)
      .sort()
      .flatMap((file) => loadFile(path.join(directory, file)));
    const workflows = documents.filter(
      (document) => document.kind === 'Workflow' || document.kind === 'ClusterWorkflow',
    );
    const runs = documents.filter((document) => document.kind === 'WorkflowRun') as WorkflowRunObject[];

    it(`${version}: every sample run is valid against its Workflow and only gains additions`, () => {
      expect(runs.length).to.be.greaterThan(1);
      for (const run of runs) {
        // Matched by name (and kind when given): the v1.x minimal run omits kind, which the CRD defaults to
        // ClusterWorkflow, and v0.17 runs never name one.
        const { kind, name } = run.spec?.workflow ?? {};
        const workflow = workflows.find(
          (candidate) =>
            (candidate.metadata as JSONObject).name === name &&
            (kind === undefined || candidate.kind === kind),
        ) as WorkflowObject | undefined;
        expect(workflow, `Workflow for ${run.metadata?.name}`).to.not.equal(undefined);
        const prepared = prepareRun(run, workflow!, compileWorkflow(workflow!));
        expect(prepared.errors, `${run.metadata?.name}: ${formatFieldErrors(prepared.errors)}`).to.deep.equal(
          [],
        );
        for (const op of patchOps(run, prepared.object)) expect(op.op).to.equal('add');
        expect(
          patchOps(
            prepared.object,
            prepareRun(prepared.object, workflow!, compileWorkflow(workflow!)).object,
          ),
        ).to.deep.equal([]);
      }
    });
  }
});

describe('core/run: display name', () => {
  const workflow: WorkflowObject = { kind: 'Workflow', metadata: { name: 'docker-build' } };

  it("uses the Workflow's display name, else its name, and the run's name, else its generateName", () => {
    const named: WorkflowObject = {
      kind: 'Workflow',
      metadata: { name: 'docker-build', annotations: { [DISPLAY_NAME_ANNOTATION]: 'Docker Build' } },
    };
    expect(displayNameFor({ metadata: { name: 'run-1' } }, named)).to.equal('Docker Build: run-1');
    expect(displayNameFor({ metadata: { name: 'run-1' } }, workflow)).to.equal('docker-build: run-1');
    expect(displayNameFor({ metadata: { generateName: 'nightly-' } }, workflow)).to.equal(
      'docker-build: nightly',
    );
    expect(displayNameFor({ metadata: {} }, workflow)).to.equal('docker-build');
  });

  it('never overwrites an annotation the user gave, even an empty one', () => {
    const compiled = compileWorkflow(workflow);
    for (const given of ['Mine', '']) {
      const run: WorkflowRunObject = {
        metadata: { name: 'r', annotations: { [DISPLAY_NAME_ANNOTATION]: given, other: 'x' } },
        spec: { workflow: { name: 'docker-build' } },
      };
      expect(prepareRun(run, workflow, compiled).object.metadata?.annotations).to.deep.equal({
        [DISPLAY_NAME_ANNOTATION]: given,
        other: 'x',
      });
    }
  });

  it('adds annotations (and metadata) when absent, and leaves malformed metadata for the API server to refuse', () => {
    const compiled = compileWorkflow(workflow);
    const bare = prepareRun({ spec: { workflow: { name: 'docker-build' } } }, workflow, compiled).object;
    expect(bare.metadata).to.deep.equal({ annotations: { [DISPLAY_NAME_ANNOTATION]: 'docker-build' } });
    const malformed = {
      metadata: { name: 'r', annotations: 'text' },
      spec: { workflow: { name: 'docker-build' } },
    };
    expect(
      prepareRun(malformed as unknown as WorkflowRunObject, workflow, compiled).object.metadata,
    ).to.deep.equal(malformed.metadata);
  });
});

describe('core/run: bad input', () => {
  const workflow: WorkflowObject = {
    kind: 'Workflow',
    metadata: { name: 'wf', namespace: 'team' },
    spec: { schema: { parameters: { name: 'string', replicas: 'integer | default=1 maximum=3' } } },
  };
  const compiled = compileWorkflow(workflow);
  const run = (parameters: unknown): WorkflowRunObject =>
    ({
      metadata: { name: 'r', namespace: 'team' },
      spec: { workflow: { name: 'wf', parameters } },
    }) as WorkflowRunObject;

  it('reports every parameter error at once and still returns the defaulted object', () => {
    const prepared = prepareRun(run({ replicas: 5, typo: 1 }), workflow, compiled);
    expect(formatFieldErrors(prepared.errors)).to.equal(
      [
        'spec.workflow.parameters.name: Required value',
        'spec.workflow.parameters.replicas: Invalid value: 5: must be less than or equal to 3',
        'spec.workflow.parameters.typo: Unknown field',
      ].join('\n'),
    );
  });

  it('passes the unknown-parameter policy through', () => {
    const prepared = prepareRun(run({ name: 'n', typo: 1 }), workflow, compiled, {
      unknownParameters: 'warn',
    });
    expect(prepared.errors).to.deep.equal([]);
    expect(prepared.warnings).to.deep.equal(['unknown parameter "spec.workflow.parameters.typo"']);
  });

  it('treats parameters: null as no parameters, and leaves non-object parameters untouched with an error', () => {
    expect(prepareRun(run(null), workflow, compiled).object.spec?.workflow?.parameters).to.deep.equal({
      replicas: 1,
    });
    const prepared = prepareRun(run('name=x'), workflow, compiled);
    expect(prepared.object.spec?.workflow?.parameters).to.equal('name=x');
    expect(prepared.errors).to.deep.equal([
      { field: 'spec.workflow.parameters', message: 'Invalid value: "name=x": must be of type object' },
    ]);
  });

  it('refuses absurdly deep objects without copying them or overflowing the stack', () => {
    let deep: JSONValue = 'leaf';
    for (let level = 0; level < 200_000; level++) deep = { d: deep };
    const input = run({ name: 'n', nested: deep });
    const prepared = prepareRun(input, workflow, compiled);
    expect(prepared.object).to.equal(input);
    expect(prepared.errors).to.deep.equal([
      { field: 'spec', message: `Forbidden: must not be nested more than ${MAX_RUN_DEPTH} levels deep` },
    ]);
    const moderately = run({ name: 'n', nested: JSON.parse(`${'{"d":'.repeat(80)}1${'}'.repeat(80)}`) });
    expect(prepareRun(moderately, workflow, compiled).errors).to.deep.equal([
      {
        field: 'spec.workflow.parameters',
        message: 'Forbidden: must not be nested more than 64 levels deep',
      },
    ]);
  });

  it('keeps __proto__ keys as data and leaves Object.prototype untouched', () => {
    const input = JSON.parse(
      '{"metadata":{"name":"r","__proto__":{"polluted":true},"annotations":{"__proto__":{"polluted":true}}},' +
        '"spec":{"workflow":{"name":"wf","parameters":{"name":"n","__proto__":{"polluted":true}}}}}',
    ) as WorkflowRunObject;
    const prepared = prepareRun(input, workflow, compiled);
    expect(prepared.errors).to.deep.equal([
      { field: 'spec.workflow.parameters.__proto__', message: 'Unknown field' },
    ]);
    expect(Object.hasOwn(prepared.object.metadata!, '__proto__')).to.equal(true);
    expect(prepared.object.metadata?.annotations?.[DISPLAY_NAME_ANNOTATION]).to.equal('wf: r');
    expect(({} as JSONObject).polluted).to.equal(undefined);
    expect(Object.prototype).to.not.have.own.property('polluted');
  });
});

describe('core/run: formatFieldErrors', () => {
  it('prints one field: message line per error, sorted by field then message', () => {
    expect(
      formatFieldErrors([
        { field: 'spec.workflow.parameters.b', message: 'Required value' },
        { field: 'spec.workflow.parameters.a', message: 'Z' },
        { field: 'spec.workflow.parameters.a', message: 'A' },
      ]),
    ).to.equal(
      'spec.workflow.parameters.a: A\nspec.workflow.parameters.a: Z\nspec.workflow.parameters.b: Required value',
    );
    expect(formatFieldErrors([])).to.equal('');
  });
});

/** The value at a JSON Pointer, or undefined. */
function valueAt(document: unknown, pointer: string): unknown {
  let value = document;
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

describe('core/run: only adds (or fills a null with its default), for any parameters (property-based)', () => {
  it('yields add patches (replace only for a null), stable under a second pass, with the input untouched', () => {
    const workflow = loadFile(DOCKER_BUILD)[0] as WorkflowObject;
    const compiled = compileWorkflow(workflow);
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const parameters = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          repository: fc.oneof(
            leaf,
            fc.record(
              { url: leaf, revision: fc.oneof(leaf, fc.record({ branch: leaf }, { requiredKeys: [] })) },
              { requiredKeys: [] },
            ),
          ),
          docker: fc.oneof(leaf, fc.record({ context: leaf, extra: fc.jsonValue() }, { requiredKeys: [] })),
          other: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(parameters, fc.option(fc.string(), { nil: undefined }), (given, name) => {
        const run = {
          metadata: name === undefined ? {} : { name },
          spec: { workflow: { name: 'generic-workflow-docker-build', parameters: given } },
        } as WorkflowRunObject;
        const before = structuredClone(run);
        const prepared = prepareRun(run, workflow, compiled, { unknownParameters: 'warn' });
        expect(run).to.deep.equal(before);
        for (const op of patchOps(run, prepared.object)) {
          if (given === null && op.path === '/spec/workflow/parameters') continue; // null means "no parameters"
          // A null where the schema has a default takes it, as in Kubernetes; nothing else is replaced.
          if (op.op === 'replace') expect(valueAt(run, op.path), JSON.stringify(op)).to.equal(null);
          else expect(op.op, JSON.stringify(op)).to.equal('add');
        }
        expect(
          patchOps(prepared.object, prepareRun(prepared.object, workflow, compiled).object),
        ).to.deep.equal([]);
      }),
      { numRuns: 300 },
    );
  });

  it('diffs the defaulted parts of a run exactly as the whole run, whatever its shape', () => {
    const workflow = loadFile(DOCKER_BUILD)[0] as WorkflowObject;
    const compiled = compileWorkflow(workflow);
    const absentOr = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
    const annotations = fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue());
    const metadata = fc.oneof(
      fc.record(
        { name: absentOr(fc.string()), annotations: absentOr(annotations), labels: absentOr(fc.jsonValue()) },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    );
    const workflowRef = fc.oneof(
      fc.record(
        {
          name: fc.constant('generic-workflow-docker-build'),
          parameters: absentOr(fc.jsonValue()),
          other: absentOr(fc.jsonValue()),
        },
        { requiredKeys: ['name'] },
      ),
      fc.jsonValue(),
    );
    const run = fc.record(
      {
        apiVersion: fc.constant('openchoreo.dev/v1alpha1'),
        metadata,
        spec: fc.oneof(
          fc.record({ workflow: workflowRef, extra: absentOr(fc.jsonValue()) }, { requiredKeys: [] }),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(run, (given) => {
        const defaulted = defaultRun(given as WorkflowRunObject, workflow, compiled).object;
        expect(patchOps(defaultedParts(given as WorkflowRunObject), defaultedParts(defaulted))).to.deep.equal(
          patchOps(given, defaulted),
        );
      }),
      { numRuns: 500 },
    );
  });
});
