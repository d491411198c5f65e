// What the webhook benchmarks send: the seed's integration-test run as the API server would send it for review,
// and the Workflow it names in either schema format (for the v0.17 and the v1.x CRDs).
import path from 'node:path';
import { REPO_ROOT } from '../../local-cluster/tools.ts';

const WORKFLOWS = path.join(REPO_ROOT, 'test', 'fixtures', 'workflows');
export const INTEGRATION_TESTS_WORKFLOW = {
  shorthand: path.join(WORKFLOWS, 'integration-tests.yaml'),
  openapi: path.join(WORKFLOWS, 'integration-tests-openapi.yaml'),
};

export const INTEGRATION_TEST_REVIEW = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'WorkflowRun' },
    resource: { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'workflowruns' },
    name: 'integration-test-run-01',
    namespace: 'default',
    operation: 'CREATE',
    userInfo: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
    object: {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'WorkflowRun',
      metadata: { name: 'integration-test-run-01', namespace: 'default' },
      spec: {
        workflow: {
          name: 'integration-tests',
          parameters: {
            repository: { url: 'https://github.com/myorg/test-suite', branch: 'main' },
            testCommand: 'npm run test:integration',
          },
        },
      },
    },
    dryRun: false,
  },
});
