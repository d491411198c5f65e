// Objects for the plugin's run tests: the seed's docker-build Workflow (v0.17 shorthand) and the dockerfile-builder
// ClusterWorkflow (v1.x OpenAPI) read from the project's samples, the `docker-build` ClusterWorkflow that the run
// fixtures in test/fixtures/runs name, those runs, and fake clusters holding them.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

import type { JSONObject } from '../../core/index.ts';
import { FakeKube } from './plugin-fakes.ts';

/** The project's samples: one folder per CRD version (v0.17, v1.x). */
export const SAMPLES = fileURLToPath(new URL('../../local-cluster/openchoreo/samples', import.meta.url));
/** The seed API reference's four example WorkflowRuns, in its order, each under a `# <title>` comment line. */
export const SEED = `${SAMPLES}/v0.17/runs.yaml`;

export function sampleObjects(file: string): JSONObject[] {
  return parseAllDocuments(readFileSync(`${SAMPLES}/${file}`, 'utf8'))
    .map((document) => document.toJS() as JSONObject)
    .filter((object) => object !== null);
}

export function sample(file: string, kind: string): JSONObject {
  const found = sampleObjects(file).find((object) => object.kind === kind);
  if (!found) throw new Error(`${file} has no ${kind}`);
  return found;
}

/** v0.17: namespaced Workflow `generic-workflow-docker-build` in `default`, every parameter defaulted. */
export const seedDockerBuild = (): JSONObject => sample('v0.17/docker-build.yaml', 'Workflow');

/** v1.x: ClusterWorkflow `dockerfile-builder`, repository.url required. */
export const dockerfileBuilder = (): JSONObject => sample('v1.x/dockerfile-builder.yaml', 'ClusterWorkflow');

/** The ClusterWorkflow the run fixtures name (`docker-build`), in the OpenAPI format. */
export function dockerBuildClusterWorkflow(): JSONObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'ClusterWorkflow',
    metadata: { name: 'docker-build', annotations: { 'openchoreo.dev/display-name': 'Docker build' } },
    spec: {
      parameters: {
        openAPIV3Schema: {
          type: 'object',
          required: ['repository'],
          properties: {
            repository: {
              type: 'object',
              required: ['url'],
              properties: {
                url: { type: 'string', pattern: '^https://', description: 'Git repository URL' },
                revision: {
                  type: 'object',
                  default: {},
                  properties: {
                    branch: { type: 'string', default: 'main' },
                    commit: { type: 'string' },
                  },
                },
                appPath: { type: 'string', default: '.' },
              },
            },
            docker: {
              type: 'object',
              default: {},
              properties: {
                context: { type: 'string', default: '.' },
                filePath: { type: 'string', default: './Dockerfile' },
              },
            },
            tags: { type: 'array', items: { type: 'string' }, default: ['latest'], maxItems: 5 },
            timeoutMinutes: { type: 'integer', default: 30, minimum: 1, maximum: 120 },
            dryRun: { type: 'boolean', default: false },
            buildArgs: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
            output: { type: 'string', enum: ['table', 'json'], default: 'table' },
          },
        },
      },
    },
  };
}

const RUN_FIXTURES = fileURLToPath(new URL('../fixtures/runs', import.meta.url));

/** The run fixtures' names: every controller state from conditions.md. */
export const runFixtureNames = (): string[] =>
  readdirSync(RUN_FIXTURES)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -5))
    .sort();

export const runFixture = (name: string): JSONObject =>
  parse(readFileSync(path.join(RUN_FIXTURES, `${name}.yaml`), 'utf8')) as JSONObject;

/** Every run fixture by name. */
export function runFixtures(): Map<string, JSONObject> {
  return new Map(runFixtureNames().map((name) => [name, runFixture(name)]));
}

export const nameOf = (object: JSONObject) => (object.metadata as { name: string }).name;
export const namespaceOf = (object: JSONObject) => (object.metadata as { namespace: string }).namespace;

/** A cluster on v1.x CRDs with the ClusterWorkflows the fixtures and samples name. */
export function v1Cluster(): FakeKube {
  return new FakeKube().add(dockerBuildClusterWorkflow()).add(dockerfileBuilder());
}

/** A cluster on v0.17 CRDs (no ClusterWorkflow) with the seed's Workflow. */
export function v017Cluster(): FakeKube {
  const kube = new FakeKube().add(seedDockerBuild());
  kube.served = new Set(['workflowruns', 'workflows']);
  return kube;
}

/** A cluster holding every run fixture. */
export function clusterWithFixtures(): FakeKube {
  const kube = new FakeKube();
  for (const object of runFixtures().values()) kube.add(object);
  return kube;
}
