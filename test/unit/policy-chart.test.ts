// The chart's policies.enabled value, rendered with the real helm: the webhook runs with --manage-policies and gets
// RBAC for exactly ValidatingAdmissionPolicies, their bindings and its Lease; with the value off, none of it.
import { expect } from 'chai';

import { NAMESPACE, RELEASE, findObject, renderChart, type K8sObject } from './chart-render.ts';

const FULLNAME = `${RELEASE}-workflowrun-webhook`;

function webhookArgs(objects: K8sObject[]): string[] {
  const deployment = findObject(objects, 'Deployment', FULLNAME) as unknown as {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  return deployment.spec.template.spec.containers[0]!.args;
}

describe('chart: policies.enabled', function () {
  this.timeout(30_000);

  it('is off by default: no flag and no RBAC beyond reading Workflows', function () {
    const objects = renderChart();
    expect(webhookArgs(objects)).not.to.include('--manage-policies');
    expect(objects.filter((object) => /^(Cluster)?Role(Binding)?$/.test(object.kind))).to.have.length(2);
  });

  it('runs the webhook with --manage-policies and grants exactly the policies, bindings and Lease', function () {
    const objects = renderChart(['--set', 'policies.enabled=true']);
    expect(webhookArgs(objects)).to.include.members([
      '--manage-policies',
      `--policy-lease-namespace=${NAMESPACE}`,
    ]);
    expect(findObject(objects, 'ClusterRole', `${FULLNAME}-policies`).rules).to.deep.equal([
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
        verbs: ['list', 'create', 'update', 'delete'],
      },
    ]);
    const lease = findObject(objects, 'Role', `${FULLNAME}-policy-lease`);
    expect(lease.metadata.namespace).to.equal(NAMESPACE);
    expect(lease.rules).to.deep.equal([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['openchoreo-workflowrun-policies'],
        verbs: ['get', 'update'],
      },
    ]);
    for (const [kind, name] of [
      ['ClusterRoleBinding', `${FULLNAME}-policies`],
      ['RoleBinding', `${FULLNAME}-policy-lease`],
    ] as const) {
      expect(findObject(objects, kind, name).subjects).to.deep.equal([
        { kind: 'ServiceAccount', name: FULLNAME, namespace: NAMESPACE },
      ]);
    }
    expect(objects.filter((object) => /^(Cluster)?Role(Binding)?$/.test(object.kind))).to.have.length(6);
  });

  it('grants nothing when rbac.create is off', function () {
    const objects = renderChart(['--set', 'policies.enabled=true', '--set', 'rbac.create=false']);
    expect(objects.filter((object) => /^(Cluster)?Role(Binding)?$/.test(object.kind))).to.have.length(0);
  });
});
