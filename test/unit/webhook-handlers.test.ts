// The admission handlers without HTTP: every rule of the mutating and validating webhooks, on the seed's
// Workflows and runs.
import { expect } from 'chai';
import fastJsonPatch from 'fast-json-patch';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  DISPLAY_NAME_ANNOTATION,
  type JSONObject,
  type WorkflowObject,
  type WorkflowRunObject,
} from '../../core/index.ts';
import { CompiledSchemaCache } from '../../webhook/compiled-schemas.ts';
import {
  admissionContext,
  type AdmissionRequest,
  type AdmissionResponse,
  type JSONPatchOperation,
} from '../../webhook/admission.ts';
import {
  mutateWorkflowRun,
  validateWorkflow,
  validateWorkflowRun,
  type AdmissionHandler,
  type HandlerOptions,
} from '../../webhook/handlers.ts';
import { StaticWorkflows, type WorkflowLookup } from '../../webhook/workflows.ts';

const SAMPLES = fileURLToPath(new URL('../../local-cluster/openchoreo/samples', import.meta.url));

function readYAMLDocuments(path: string): JSONObject[] {
  return readFileSync(path, 'utf8')
    .split(/^---$/m)
    .map((text) => parse(text) as JSONObject | null)
    .filter((document): document is JSONObject => document !== null);
}

function workflowsIn(path: string): WorkflowObject[] {
  return readYAMLDocuments(path).filter(
    (document) => document.kind === 'Workflow' || document.kind === 'ClusterWorkflow',
  ) as WorkflowObject[];
}

const dockerBuild = workflowsIn(`${SAMPLES}/v0.17/docker-build.yaml`)[0]!;
const integrationTests = workflowsIn(
  new URL('../fixtures/workflows/integration-tests.yaml', import.meta.url).pathname,
)[0]!;
const dockerfileBuilder = workflowsIn(`${SAMPLES}/v1.x/dockerfile-builder.yaml`)[0]!;

function run(name: string, workflow: JSONObject, extra: JSONObject = {}): WorkflowRunObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name, namespace: 'default' },
    spec: { workflow },
    ...extra,
  } as WorkflowRunObject;
}

// The seed's four example runs (workflowrun-api-reference.md).
const seedRuns: WorkflowRunObject[] = [
  run('generic-workflow-run-docker-build-01', {
    name: 'generic-workflow-docker-build',
    parameters: {
      repository: {
        url: 'https://github.com/openchoreo/sample-workloads',
        revision: { branch: 'main' },
        appPath: '/service-go-greeter',
      },
      docker: { context: '/service-go-greeter', filePath: '/service-go-greeter/Dockerfile' },
    },
  }),
  run('generic-workflow-run-docker-build-02', {
    name: 'generic-workflow-docker-build',
    parameters: {
      repository: {
        url: 'https://github.com/openchoreo/sample-workloads',
        revision: { branch: 'main', commit: 'a1b2c3d4' },
        appPath: '/service-go-greeter',
      },
      docker: { context: '/service-go-greeter', filePath: '/service-go-greeter/Dockerfile' },
    },
  }),
  run('integration-test-run-01', {
    name: 'integration-tests',
    parameters: {
      repository: { url: 'https://github.com/myorg/test-suite', branch: 'main' },
      testCommand: 'npm run test:integration',
      environment: 'staging',
    },
  }),
  run('simple-workflow-run', {
    name: 'generic-workflow-docker-build',
    parameters: { repository: { url: 'https://github.com/myorg/hello-world' } },
  }),
];
const minimalRun = seedRuns[3]!;

function request(object: unknown, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'uid-1',
    kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'WorkflowRun' },
    namespace: 'default',
    operation: 'CREATE',
    object: object as AdmissionRequest['object'],
    ...overrides,
  };
}

const context = admissionContext();

function options(overrides: Partial<HandlerOptions> = {}): HandlerOptions {
  return {
    workflows: new StaticWorkflows([dockerBuild, integrationTests, dockerfileBuilder]),
    compiledWorkflows: new CompiledSchemaCache(),
    unknownParameters: 'deny',
    ...overrides,
  };
}

/** A lookup that fails the test if a handler consults it. */
const forbiddenLookup: WorkflowLookup = {
  get() {
    throw new Error('the Workflow must not be looked up for this request');
  },
};

function patchOf(response: AdmissionResponse): JSONPatchOperation[] {
  if (response.patch === undefined) return [];
  expect(response.patchType).to.equal('JSONPatch');
  return JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as JSONPatchOperation[];
}

function applyPatch<T>(object: T, operations: JSONPatchOperation[]): T {
  return fastJsonPatch.applyPatch(structuredClone(object), operations as never, true, false).newDocument as T;
}

async function mutateThenValidate(
  object: WorkflowRunObject,
  handlerOptions = options(),
): Promise<{ mutated: WorkflowRunObject; validation: AdmissionResponse; patch: JSONPatchOperation[] }> {
  const mutation = await mutateWorkflowRun(handlerOptions)(request(object), context);
  expect(mutation.allowed).to.equal(true);
  const patch = patchOf(mutation);
  const mutated = applyPatch(object, patch);
  return { mutated, validation: await validateWorkflowRun(handlerOptions)(request(mutated), context), patch };
}

function denialMessage(response: AdmissionResponse): string {
  expect(response.allowed).to.equal(false);
  expect(response.status?.code).to.equal(403);
  return response.status!.message;
}

describe('webhook admission handlers', () => {
  describe('CREATE of a WorkflowRun', () => {
    for (const seedRun of seedRuns) {
      it(`accepts the seed run ${seedRun.metadata!.name}, with defaults and a display name patched in`, async () => {
        const { mutated, validation, patch } = await mutateThenValidate(seedRun);
        expect(validation).to.deep.equal({ outcome: 'allowed', allowed: true });
        expect(patch.map((operation) => operation.op)).to.satisfy((ops: string[]) =>
          ops.every((op) => op === 'add'),
        );
        expect(mutated.metadata?.annotations?.[DISPLAY_NAME_ANNOTATION]).to.be.a('string').and.not.equal('');
      });
    }

    it('fills every default into the minimal run', async () => {
      const { mutated } = await mutateThenValidate(minimalRun);
      expect(mutated.spec?.workflow?.parameters).to.deep.equal({
        repository: {
          url: 'https://github.com/myorg/hello-world',
          revision: { branch: 'main', commit: '' },
          appPath: '/service-go-greeter',
        },
        docker: { context: '/service-go-greeter', filePath: '/service-go-greeter/Dockerfile' },
      });
    });

    it('yields no patch on a second pass over a mutated run', async () => {
      const { mutated } = await mutateThenValidate(minimalRun);
      const second = await mutateWorkflowRun(options())(request(mutated), context);
      expect(second).to.deep.equal({ outcome: 'allowed', allowed: true });
    });

    it('computes the patch against the object as received, keeping fields it does not know', async () => {
      const withExtras = structuredClone(minimalRun) as WorkflowRunObject & { spec: JSONObject };
      withExtras.metadata!.labels = { team: 'a' };
      withExtras.metadata!.annotations = { 'example.com/note': 'keep' };
      (withExtras.spec as JSONObject).futureField = { nested: [1, 2] };
      const { mutated, patch } = await mutateThenValidate(withExtras);
      expect(patch.every((operation) => operation.op === 'add')).to.equal(true);
      expect(mutated.metadata?.labels).to.deep.equal({ team: 'a' });
      expect(mutated.metadata?.annotations?.['example.com/note']).to.equal('keep');
      expect((mutated.spec as JSONObject).futureField).to.deep.equal({ nested: [1, 2] });
    });

    it('keeps a display name the user set', async () => {
      const named = structuredClone(minimalRun);
      named.metadata!.annotations = { [DISPLAY_NAME_ANNOTATION]: 'My build' };
      const { mutated } = await mutateThenValidate(named);
      expect(mutated.metadata?.annotations?.[DISPLAY_NAME_ANNOTATION]).to.equal('My build');
    });

    it('denies every parameter problem in one legible message, with causes for client libraries', async () => {
      const bad = run('bad-run', {
        name: 'integration-tests',
        parameters: {
          repository: { url: 'ftp://example.com/repo', branch: 42 },
          environment: 'moon',
          typo: true,
        },
      });
      const response = await validateWorkflowRun(options())(request(bad), context);
      const message = denialMessage(response);
      expect(message.split('\n')[0]).to.equal('WorkflowRun "bad-run" is invalid:');
      for (const field of [
        'spec.workflow.parameters.repository.url',
        'spec.workflow.parameters.repository.branch',
        'spec.workflow.parameters.environment',
        'spec.workflow.parameters.typo',
      ]) {
        expect(message).to.match(new RegExp(`^  ${field.replace(/\./g, '\\.')}: `, 'm'));
        expect(response.status?.details?.causes?.map((cause) => cause.field)).to.include(field);
      }
    });

    it('denies a missing required parameter', async () => {
      const missing = run('missing-url', { name: 'integration-tests', parameters: { repository: {} } });
      const message = denialMessage(await validateWorkflowRun(options())(request(missing), context));
      expect(message).to.contain('spec.workflow.parameters.repository.url: Required value');
    });

    it('leaves parameter errors to the validating webhook, which reports the same ones after the mutation', async () => {
      const bad = run('bad', {
        name: 'integration-tests',
        parameters: { repository: { brnch: 'x' }, environment: 'moon' },
      });
      const direct = denialMessage(await validateWorkflowRun(options())(request(bad), context));
      const { validation, patch } = await mutateThenValidate(bad);
      expect(patch.every((operation) => operation.op === 'add')).to.equal(true);
      expect(denialMessage(validation)).to.equal(direct);
      expect(direct).to.contain('spec.workflow.parameters.repository.url: Required value');
      expect(direct).to.contain('spec.workflow.parameters.repository.brnch: Unknown field');
    });

    it('denies a run whose Workflow does not exist, naming it and its namespace', async () => {
      const orphan = run('orphan', { name: 'nope' });
      const message = denialMessage(await validateWorkflowRun(options())(request(orphan), context));
      expect(message).to.contain('spec.workflow.name: Not found: Workflow "nope" in namespace "default"');
      expect(await mutateWorkflowRun(options())(request(orphan), context)).to.deep.equal({
        outcome: 'allowed',
        allowed: true,
      });
    });

    it('denies a run whose ClusterWorkflow does not exist', async () => {
      const orphan = run('orphan', { kind: 'ClusterWorkflow', name: 'nope' });
      const message = denialMessage(await validateWorkflowRun(options())(request(orphan), context));
      expect(message).to.contain('spec.workflow.name: Not found: ClusterWorkflow "nope"');
      expect(message).not.to.contain('namespace');
    });

    it('looks a run without a kind up as a Workflow in its own namespace', async () => {
      const elsewhere = structuredClone(minimalRun);
      elsewhere.metadata!.namespace = 'team-b';
      const message = denialMessage(
        await validateWorkflowRun(options())(request(elsewhere, { namespace: 'team-b' }), context),
      );
      expect(message).to.contain('Not found: Workflow "generic-workflow-docker-build" in namespace "team-b"');
    });

    it('validates a run of a ClusterWorkflow with an OpenAPI v3 schema', async () => {
      const repository = { url: 'https://github.com/myorg/hello-world' };
      const good = run('build', {
        kind: 'ClusterWorkflow',
        name: 'dockerfile-builder',
        parameters: { repository },
      });
      const { validation } = await mutateThenValidate(good);
      expect(validation.allowed).to.equal(true);
      const bad = run('build', {
        kind: 'ClusterWorkflow',
        name: 'dockerfile-builder',
        parameters: { repository, buildArgs: [{ name: 'GO_VERSION' }] },
      });
      expect(denialMessage(await validateWorkflowRun(options())(request(bad), context))).to.contain(
        'spec.workflow.parameters.buildArgs[0].value: Required value',
      );
    });

    it('denies a kind that is neither Workflow nor ClusterWorkflow', async () => {
      const wrong = run('wrong', { kind: 'Pipeline', name: 'generic-workflow-docker-build' });
      expect(denialMessage(await validateWorkflowRun(options())(request(wrong), context))).to.contain(
        'spec.workflow.kind: Unsupported value: "Pipeline"',
      );
      expect(await mutateWorkflowRun(options())(request(wrong), context)).to.deep.equal({
        outcome: 'allowed',
        allowed: true,
      });
    });

    it('denies a run naming a Workflow whose schema does not compile, with the reason', async () => {
      const broken: WorkflowObject = {
        ...structuredClone(dockerBuild),
        metadata: { name: 'broken', namespace: 'default' },
        spec: { schema: { parameters: { size: 'integer | default=abc' } } },
      };
      const workflows = new StaticWorkflows([broken]);
      const response = await validateWorkflowRun(options({ workflows }))(
        request(run('r', { name: 'broken' })),
        context,
      );
      expect(denialMessage(response)).to.contain('spec.workflow.name: Invalid value: "broken": ');
    });

    it('answers a dry run exactly like a real one', async () => {
      const dry = await mutateWorkflowRun(options())(request(minimalRun, { dryRun: true }), context);
      const real = await mutateWorkflowRun(options())(request(minimalRun), context);
      expect(dry).to.deep.equal(real);
    });

    it('lets a failed lookup surface as an error, not as a denial', async () => {
      const failing: WorkflowLookup = {
        get: () => Promise.reject(new Error('API server unreachable')),
      };
      let failure: unknown;
      try {
        await validateWorkflowRun(options({ workflows: failing }))(request(minimalRun), context);
      } catch (error) {
        failure = error;
      }
      expect((failure as Error).message).to.equal('API server unreachable');
    });
  });

  describe('unknown parameters', () => {
    const withUnknown = run('unknown', {
      name: 'generic-workflow-docker-build',
      parameters: { repository: { url: 'https://x.example/r' }, color: 'blue' },
    });

    it('are denied by default', async () => {
      expect(denialMessage(await validateWorkflowRun(options())(request(withUnknown), context))).to.contain(
        'spec.workflow.parameters.color',
      );
    });

    it('are allowed with a warning under --unknown-parameters=warn', async () => {
      const response = await validateWorkflowRun(options({ unknownParameters: 'warn' }))(
        request(withUnknown),
        context,
      );
      expect(response.allowed).to.equal(true);
      expect(response.warnings?.join('\n')).to.contain('color');
      for (const warning of response.warnings ?? []) expect(warning.length).to.be.at.most(120);
    });

    it('are allowed silently under --unknown-parameters=allow', async () => {
      const handlerOptions = options({ unknownParameters: 'allow' });
      const { validation, mutated } = await mutateThenValidate(withUnknown, handlerOptions);
      expect(validation).to.deep.equal({ outcome: 'allowed', allowed: true });
      expect((mutated.spec?.workflow?.parameters as JSONObject).color).to.equal('blue');
    });
  });

  describe('UPDATE, DELETE and subresources', () => {
    it('allows an update that leaves spec.workflow alone without looking at the Workflow', async () => {
      const stored = structuredClone(minimalRun);
      const updated = structuredClone(minimalRun) as WorkflowRunObject;
      updated.metadata!.finalizers = ['openchoreo.dev/workflowrun-cleanup'];
      updated.spec!.ttlAfterCompletion = '1d';
      const lookupless = options({ workflows: forbiddenLookup });
      const update = request(updated, { operation: 'UPDATE', oldObject: stored as never });
      expect(await validateWorkflowRun(lookupless)(update, context)).to.deep.equal({
        outcome: 'allowed',
        allowed: true,
      });
      expect(await mutateWorkflowRun(lookupless)(update, context)).to.deep.equal({
        outcome: 'allowed',
        allowed: true,
      });
    });

    it('validates and defaults parameters that an update changed', async () => {
      const stored = structuredClone(seedRuns[0]!);
      const changed = structuredClone(seedRuns[0]!);
      changed.spec!.workflow!.parameters = { repository: { url: 42 } } as never;
      const update = (object: unknown) =>
        request(object, { operation: 'UPDATE', oldObject: stored as never });
      expect(denialMessage(await validateWorkflowRun(options())(update(changed), context))).to.contain(
        'spec.workflow.parameters.repository.url',
      );
      const valid = structuredClone(stored);
      valid.spec!.workflow!.parameters = { repository: { url: 'https://x.example/other' } };
      const mutation = await mutateWorkflowRun(options())(update(valid), context);
      expect(patchOf(mutation).map((operation) => operation.path)).to.include(
        '/spec/workflow/parameters/docker',
      );
    });

    it('allows deletions and status updates without looking', async () => {
      const lookupless = options({ workflows: forbiddenLookup });
      const orphan = run('orphan', { name: 'nope' });
      for (const handler of [validateWorkflowRun(lookupless), mutateWorkflowRun(lookupless)]) {
        expect(
          await handler(request(undefined, { operation: 'DELETE', oldObject: orphan as never }), context),
        ).to.deep.equal({
          outcome: 'allowed',
          allowed: true,
        });
        expect(
          await handler(
            request(orphan, { operation: 'UPDATE', subResource: 'status', oldObject: {} }),
            context,
          ),
        ).to.deep.equal({ outcome: 'allowed', allowed: true });
      }
    });
  });

  describe('requests that do not decode', () => {
    for (const [label, handler] of [
      ['validate', validateWorkflowRun(options())],
      ['mutate', mutateWorkflowRun(options())],
    ] as [string, AdmissionHandler][]) {
      it(`${label}: answers 400 for an object that is not an object, or not a WorkflowRun`, async () => {
        for (const object of [undefined, null, 'text', [1], 7]) {
          const response = await handler(request(object), context);
          expect(response.allowed).to.equal(false);
          expect(response.status?.code).to.equal(400);
        }
        const pod = await handler(request({ metadata: { name: 'p' } }, { kind: { kind: 'Pod' } }), context);
        expect(pod.status?.code).to.equal(400);
      });
    }

    it('keeps __proto__, constructor and prototype keys as plain data', async () => {
      const hostile = JSON.parse(
        '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"WorkflowRun","metadata":{"name":"h","namespace":"default","__proto__":{"polluted":1}},' +
          '"spec":{"workflow":{"name":"generic-workflow-docker-build","parameters":{"__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}},' +
          '"repository":{"url":"https://x.example/r"}}}}}',
      ) as WorkflowRunObject;
      const { validation } = await mutateThenValidate(hostile, options({ unknownParameters: 'warn' }));
      expect(validation.allowed).to.equal(true);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect(Object.prototype).not.to.have.property('polluted');
    });
  });

  describe('Workflow and ClusterWorkflow schemas', () => {
    const workflowRequest = (object: WorkflowObject, overrides: Partial<AdmissionRequest> = {}) =>
      request(object, {
        kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: object.kind! },
        ...overrides,
      });
    const broken: WorkflowObject = {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'broken', namespace: 'default' },
      spec: { schema: { parameters: { size: 'integer | default=abc' } } },
    };

    it('accepts the samples in both formats', async () => {
      for (const workflow of [dockerBuild, integrationTests, dockerfileBuilder]) {
        expect(await validateWorkflow()(workflowRequest(workflow), context)).to.deep.equal({
          outcome: 'allowed',
          allowed: true,
        });
      }
    });

    it("denies a schema that does not compile, with the core's message naming the Workflow", async () => {
      const message = denialMessage(await validateWorkflow()(workflowRequest(broken), context));
      expect(message).to.contain('Workflow "default/broken"');
      const brokenOpenAPI: WorkflowObject = {
        ...dockerfileBuilder,
        spec: {
          parameters: { openAPIV3Schema: { type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } } },
        },
      };
      expect(denialMessage(await validateWorkflow()(workflowRequest(brokenOpenAPI), context))).to.contain(
        'ClusterWorkflow "dockerfile-builder"',
      );
    });

    it('allows an update that leaves a broken schema as it was', async () => {
      const withFinalizer = structuredClone(broken);
      withFinalizer.metadata!.finalizers = ['example.com/f'];
      const update = workflowRequest(withFinalizer, { operation: 'UPDATE', oldObject: broken as never });
      expect(await validateWorkflow()(update, context)).to.deep.equal({ outcome: 'allowed', allowed: true });
    });

    it('answers 400 for an object of another kind', async () => {
      const response = await validateWorkflow()(
        request({ metadata: {} }, { kind: { kind: 'ConfigMap' } }),
        context,
      );
      expect(response.status?.code).to.equal(400);
    });
  });
});
