// `kubectl workflowrun policy`: offline from files, from the (fake) cluster, and its usage errors. The YAML it
// prints is compared with test/golden/plugin/policy/; test/e2e/policy.test.ts applies it to a real API server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect } from 'chai';
import { parse } from 'yaml';

import type { JSONObject } from '../../../core/index.ts';
import { REPO_ROOT } from '../../../local-cluster/tools.ts';
import { FakeKube, UNREACHABLE, expectGolden, run } from '../../support/plugin-fakes.ts';

const OPENAPI_FILE = join(REPO_ROOT, 'test', 'fixtures', 'workflows', 'integration-tests-openapi.yaml');
const SHORTHAND_FILE = join(REPO_ROOT, 'test', 'fixtures', 'workflows', 'integration-tests.yaml');

function documents(text: string): JSONObject[] {
  return text
    .split(/^---\n/m)
    .filter((part) => part.trim() !== '')
    .map((part) => parse(part) as JSONObject);
}

describe('kubectl workflowrun policy', function () {
  it('prints the policy and binding of a Workflow from a file, without a cluster', async function () {
    const { code, stdout, stderr } = await run(UNREACHABLE, [
      'policy',
      'integration-tests',
      '--kind',
      'Workflow',
      '--workflow-file',
      OPENAPI_FILE,
    ]);
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
    expect(documents(stdout).map((object) => object.kind)).to.deep.equal([
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]);
    expectGolden('policy/integration-tests-openapi.yaml', stdout);
  });

  it('gives the shorthand Workflow the same checks as its OpenAPI twin', async function () {
    const openapi = await run(UNREACHABLE, ['policy', 'integration-tests', '--workflow-file', OPENAPI_FILE]);
    const shorthand = await run(UNREACHABLE, [
      'policy',
      'integration-tests',
      '--workflow-file',
      SHORTHAND_FILE,
    ]);
    expect(shorthand.code, shorthand.stderr).to.equal(0);
    const validations = (text: string) => (documents(text)[0]!.spec as { validations: unknown }).validations;
    expect(validations(shorthand.stdout)).to.deep.equal(validations(openapi.stdout));
  });

  it('--all adds the unknown-Workflow policy listing every Workflow of the cluster', async function () {
    const workflow = parse(readFileSync(OPENAPI_FILE, 'utf8')) as JSONObject;
    const kube = new FakeKube().add(workflow, 'workflows');
    const { code, stdout, stderr } = await run(kube, ['policy', '--all']);
    expect(code, stderr).to.equal(0);
    const objects = documents(stdout);
    expect(objects.map((object) => (object.metadata as { name: string }).name)).to.deep.equal([
      'openchoreo-workflowrun.workflow.default.integration-tests',
      'openchoreo-workflowrun.workflow.default.integration-tests',
      'openchoreo-workflowrun.unknown-workflows',
      'openchoreo-workflowrun.unknown-workflows',
    ]);
    expect(JSON.stringify(objects[2])).to.contain("'Workflow/default/integration-tests': true");
  });

  it('reads one Workflow from the cluster in the -n namespace', async function () {
    const workflow = parse(readFileSync(OPENAPI_FILE, 'utf8')) as JSONObject;
    (workflow.metadata as JSONObject).namespace = 'team-a';
    const kube = new FakeKube().add(workflow, 'workflows');
    const { code, stdout } = await run(kube, [
      'policy',
      'integration-tests',
      '--kind',
      'Workflow',
      '-n',
      'team-a',
    ]);
    expect(code).to.equal(0);
    expect(stdout).to.contain("request.namespace == 'team-a'");
  });

  it('warns on stderr about what a policy does not enforce', async function () {
    const workflow = {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'ClusterWorkflow',
      metadata: { name: 'dated' },
      spec: {
        parameters: {
          openAPIV3Schema: { type: 'object', properties: { at: { type: 'string', format: 'date' } } },
        },
      },
    };
    const kube = new FakeKube().add(workflow, 'clusterworkflows');
    const { code, stderr } = await run(kube, ['policy', 'dated']);
    expect(code).to.equal(0);
    expect(stderr).to.equal(
      'warning: openchoreo-workflowrun.clusterworkflow.dated does not enforce format: date at spec.workflow.parameters.at: checked by code, not a regular expression\n',
    );
  });

  it('refuses a name together with --all, and neither, as usage errors', async function () {
    expect((await run(UNREACHABLE, ['policy', 'x', '--all'])).code).to.equal(2);
    const neither = await run(UNREACHABLE, ['policy']);
    expect(neither.code).to.equal(2);
    expect(neither.stderr).to.contain('give the Workflow whose policy to print, or --all');
  });

  it('says which file lacks the Workflow, and prints nothing', async function () {
    const { code, stdout, stderr } = await run(UNREACHABLE, [
      'policy',
      'nope',
      '--workflow-file',
      OPENAPI_FILE,
    ]);
    expect(code).to.equal(2);
    expect(stdout).to.equal('');
    expect(stderr).to.contain(`no Workflow or ClusterWorkflow "nope" in ${OPENAPI_FILE}`);
  });
});
