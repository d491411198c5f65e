// The Kubernetes objects of policy mode: per Workflow or ClusterWorkflow a ValidatingAdmissionPolicy that checks
// the parameters of the runs naming it, and its binding; plus one policy that denies runs naming a Workflow that
// does not exist. The API server evaluates them itself, so runs stay checked while the webhook is down.
import { createHash } from 'node:crypto';

import {
  GROUP,
  VERSION,
  type JSONObject,
  type UnknownParameterPolicy,
  type WorkflowObject,
} from '../types.ts';
import { SchemaError } from '../errors.ts';
import { schemaSections } from '../schema-source.ts';
import { compileWorkflow } from '../workflow.ts';
import { celLiteral, celString } from './cel.ts';
import { compileParameterRules, type UncoveredCheck } from './parameters.ts';

export type { UncoveredCheck } from './parameters.ts';

const ADMISSION_API_VERSION = 'admissionregistration.k8s.io/v1';
/** Every object generated here carries this label; the reconciler lists and deletes by it. */
export const POLICY_MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const POLICY_MANAGED_BY = 'openchoreo-workflowrun';
/** `parameters` (one Workflow's) or `unknown-workflows`. */
export const POLICY_ROLE_LABEL = 'workflowrun.openchoreo.dev/policy';
/** Which Workflow a parameters policy is for: `Workflow ns/name` or `ClusterWorkflow name`. */
export const POLICY_WORKFLOW_ANNOTATION = 'workflowrun.openchoreo.dev/workflow';
/** A hash of what the policy was generated from, so a reconciler rewrites it only when that changes. */
export const POLICY_SOURCE_HASH_ANNOTATION = 'workflowrun.openchoreo.dev/source-hash';
/** What the policy leaves to the webhook, one `field: keyword (reason)` per line. */
export const POLICY_UNCOVERED_ANNOTATION = 'workflowrun.openchoreo.dev/not-enforced';
export const UNKNOWN_WORKFLOWS_POLICY_NAME = 'openchoreo-workflowrun.unknown-workflows';

const NAME_PREFIX = 'openchoreo-workflowrun';
const MAX_NAME_LENGTH = 253;
/** The webhook's messages list at most this many field errors before a summary. */
const MAX_LISTED_ERRORS = 20;

export interface PolicyOptions {
  /** As the webhook's `--unknown-parameters` (default `deny`). */
  unknownParameters?: UnknownParameterPolicy;
}

export interface GeneratedPolicy {
  policy: JSONObject;
  binding: JSONObject;
  /** Checks left to the webhook; also in the policy's `not-enforced` annotation. */
  uncovered: UncoveredCheck[];
}

/** The policy name of a Workflow: `openchoreo-workflowrun.workflow.<ns>.<name>` or `….clusterworkflow.<name>`. */
export function policyName(workflow: WorkflowObject): string {
  const name = workflow.metadata?.name ?? '';
  const readable =
    workflow.kind === 'ClusterWorkflow'
      ? `${NAME_PREFIX}.clusterworkflow.${name}`
      : `${NAME_PREFIX}.workflow.${workflow.metadata?.namespace ?? ''}.${name}`;
  if (readable.length <= MAX_NAME_LENGTH) return readable;
  const hash = createHash('sha256').update(readable).digest('hex').slice(0, 16);
  return `${readable.slice(0, MAX_NAME_LENGTH - hash.length - 1).replace(/[.-]+$/, '')}.${hash}`;
}

function workflowIdentity(workflow: WorkflowObject): string {
  const name = workflow.metadata?.name ?? '';
  return workflow.kind === 'ClusterWorkflow'
    ? `ClusterWorkflow ${name}`
    : `Workflow ${workflow.metadata?.namespace ?? ''}/${name}`;
}

/**
 * The policy and binding for one Workflow or ClusterWorkflow. Throws the core's SchemaError when its schema does
 * not compile (the webhook denies such Workflows; there is nothing to enforce).
 */
export function workflowPolicy(workflow: WorkflowObject, options: PolicyOptions = {}): GeneratedPolicy {
  const unknownParameters = options.unknownParameters ?? 'deny';
  const checks = parameterChecks(workflow, unknownParameters, 'errors');
  const name = policyName(workflow);
  const annotations: Record<string, string> = {
    [POLICY_WORKFLOW_ANNOTATION]: workflowIdentity(workflow),
    [POLICY_SOURCE_HASH_ANNOTATION]: sourceHash(workflow, unknownParameters),
  };
  if (checks.uncovered.length > 0) annotations[POLICY_UNCOVERED_ANNOTATION] = uncoveredText(checks.uncovered);
  const policy = parametersPolicy(
    name,
    annotations,
    workflow,
    referenceMatch(workflow),
    [PARAMETERS_VARIABLE, ...checks.variables, { name: 'errors', expression: checks.errors }],
    `WorkflowRun parameters do not match the schema of ${workflowIdentity(workflow)}`,
  );
  return { policy, binding: binding(name), uncovered: checks.uncovered };
}

export interface GroupedPolicies {
  policies: GeneratedPolicy[];
  /** Workflows left out because their schema does not compile, with the core's message. */
  skipped: { workflow: WorkflowObject; message: string }[];
}

/**
 * The parameter policies of many Workflows grouped: one per namespace (and one for the ClusterWorkflows), which
 * picks the run's Workflow by name inside CEL. The API server pays a CEL activation for every policy a run's
 * namespace matches, so with many Workflows in a namespace this costs a run one activation instead of one per
 * Workflow. A group whose CEL would outgrow an object is split into parts.
 */
export function groupedWorkflowPolicies(
  workflows: readonly WorkflowObject[],
  options: PolicyOptions = {},
): GroupedPolicies {
  const unknownParameters = options.unknownParameters ?? 'deny';
  const groups = new Map<string, { workflow: WorkflowObject; checks: ParameterChecks }[][]>();
  const skipped: GroupedPolicies['skipped'] = [];
  const sizes = new Map<string, number>();
  const sorted = [...workflows].sort((a, b) => referenceKey(a).localeCompare(referenceKey(b)));
  for (const workflow of sorted) {
    let checks: ParameterChecks;
    try {
      checks = parameterChecks(workflow, unknownParameters, `w${groupIndex(groups, workflow)}`);
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      skipped.push({ workflow, message: error.message });
      continue;
    }
    const group = groupKey(workflow);
    const parts = groups.get(group) ?? [[]];
    groups.set(group, parts);
    const size = checks.variables.reduce((total, variable) => total + variable.expression.length, 0);
    if ((sizes.get(group) ?? 0) + size > MAX_GROUP_CEL_LENGTH && parts.at(-1)!.length > 0) {
      parts.push([]);
      sizes.set(group, 0);
    }
    parts.at(-1)!.push({ workflow, checks });
    sizes.set(group, (sizes.get(group) ?? 0) + size);
  }
  const policies: GeneratedPolicy[] = [];
  for (const [group, parts] of groups) {
    parts.forEach((members, part) => {
      const first = members[0]!.workflow;
      const name = parts.length === 1 ? group : `${group}.part-${part + 1}`;
      const names = members.map(({ workflow }) => workflow.metadata?.name ?? '');
      const select = members.reduceRight(
        (otherwise, { workflow, checks }) =>
          `object.spec.workflow.name == ${celString(workflow.metadata?.name ?? '')} ? ${checks.errors} : (${otherwise})`,
        '[]',
      );
      const uncovered = members.flatMap(({ workflow, checks }) =>
        checks.uncovered.map((check) => ({
          ...check,
          field: `${workflowIdentity(workflow)}: ${check.field}`,
        })),
      );
      const annotations: Record<string, string> = {
        [POLICY_WORKFLOW_ANNOTATION]: members.map(({ workflow }) => workflowIdentity(workflow)).join('\n'),
        [POLICY_SOURCE_HASH_ANNOTATION]: hash(
          members.map(({ workflow }) => sourceHash(workflow, unknownParameters)),
        ),
      };
      if (uncovered.length > 0) annotations[POLICY_UNCOVERED_ANNOTATION] = uncoveredText(uncovered);
      const policy = parametersPolicy(
        name,
        annotations,
        first,
        referenceMatch(first, names),
        [
          PARAMETERS_VARIABLE,
          ...members.flatMap(({ checks }) => checks.variables),
          { name: 'errors', expression: select },
        ],
        'WorkflowRun parameters do not match the schema of their Workflow',
      );
      policies.push({ policy, binding: binding(name), uncovered });
    });
  }
  return { policies, skipped };
}

/** Object size is bounded (etcd keeps at most 1.5 MiB); a group's CEL stays well below. */
const MAX_GROUP_CEL_LENGTH = 600_000;

function groupKey(workflow: WorkflowObject): string {
  return workflow.kind === 'ClusterWorkflow'
    ? `${NAME_PREFIX}.clusterworkflows`
    : `${NAME_PREFIX}.namespace.${workflow.metadata?.namespace ?? ''}`;
}

function groupIndex(groups: Map<string, unknown[][]>, workflow: WorkflowObject): number {
  return (groups.get(groupKey(workflow)) ?? []).reduce((count, part) => count + part.length, 0);
}

interface ParameterChecks {
  variables: { name: string; expression: string }[];
  /** The CEL list of the run's errors, from `variables`. */
  errors: string;
  uncovered: UncoveredCheck[];
}

// The variables that list a run's parameter errors against one Workflow's schema, named `<prefix><n>`.
function parameterChecks(
  workflow: WorkflowObject,
  unknownParameters: UnknownParameterPolicy,
  prefix: string,
): ParameterChecks {
  const compiled = compileWorkflow(workflow);
  const rules = compileParameterRules(compiled.schema, { root: 'variables.parameters', unknownParameters });
  const variables = rules.parts.map(({ expression }, index) => ({ name: `${prefix}${index}`, expression }));
  return {
    variables,
    errors: variables.length === 0 ? '[]' : variables.map(({ name }) => `variables.${name}`).join(' + '),
    uncovered: rules.uncovered,
  };
}

const PARAMETERS_VARIABLE = {
  name: 'parameters',
  expression:
    'has(object.spec.workflow.parameters) && type(object.spec.workflow.parameters) != null_type ? object.spec.workflow.parameters : {}',
};

function parametersPolicy(
  name: string,
  annotations: Record<string, string>,
  workflow: WorkflowObject,
  match: string,
  variables: { name: string; expression: string }[],
  message: string,
): JSONObject {
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: labels('parameters'), annotations },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: matchConstraints(
        workflow.kind === 'ClusterWorkflow' ? undefined : workflow.metadata?.namespace,
      ),
      // One condition, not two: each is a CEL program the API server runs for every run it might concern.
      matchConditions: [{ name: 'names-this-workflow', expression: `(${match}) && (${WORKFLOW_CHANGED})` }],
      variables,
      validations: [
        {
          expression: 'size(variables.errors) == 0',
          messageExpression: invalidRunMessage('variables.errors'),
          message,
          reason: 'Invalid',
        },
      ],
    },
  };
}

/**
 * The policy that denies runs naming a Workflow or ClusterWorkflow not among `workflows`, as the webhook's
 * `spec.workflow.name: Not found: ...` does.
 */
export function unknownWorkflowsPolicy(workflows: readonly WorkflowObject[]): GeneratedPolicy {
  const known = [...new Set(workflows.map(referenceKey))].sort();
  const policy = {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: {
      name: UNKNOWN_WORKFLOWS_POLICY_NAME,
      labels: labels('unknown-workflows'),
      annotations: { [POLICY_SOURCE_HASH_ANNOTATION]: hash([POLICY_FORMAT_VERSION, ...known]) },
    },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: matchConstraints(),
      matchConditions: [
        { name: 'names-a-workflow', expression: `(${HAS_WORKFLOW_NAME}) && (${WORKFLOW_CHANGED})` },
      ],
      variables: [
        { name: 'kind', expression: RUN_KIND },
        { name: 'name', expression: 'object.spec.workflow.name' },
        {
          name: 'key',
          expression:
            "variables.kind + '/' + (variables.kind == 'ClusterWorkflow' ? '' : request.namespace) + '/' + variables.name",
        },
        // A map literal: a lookup costs the same for ten known Workflows as for ten thousand.
        { name: 'known', expression: `{${known.map((key) => `${celString(key)}: true`).join(', ')}}` },
      ],
      validations: [
        {
          expression: 'variables.key in variables.known',
          messageExpression: invalidRunMessage(
            `['spec.workflow.name: Not found: ' + variables.kind + ' "' + variables.name + '"' + (variables.kind == 'ClusterWorkflow' ? '' : ' in namespace "' + request.namespace + '"')]`,
          ),
          message: 'spec.workflow.name: Not found: the WorkflowRun names a Workflow that does not exist',
          reason: 'Invalid',
        },
      ],
    },
  };
  return { policy, binding: binding(UNKNOWN_WORKFLOWS_POLICY_NAME), uncovered: [] };
}

function referenceKey(workflow: WorkflowObject): string {
  const name = workflow.metadata?.name ?? '';
  return workflow.kind === 'ClusterWorkflow'
    ? `ClusterWorkflow//${name}`
    : `Workflow/${workflow.metadata?.namespace ?? ''}/${name}`;
}

// A run without a kind (the v0.17 CRDs have none) names a namespaced Workflow, as the webhook reads it.
const RUN_KIND = "has(object.spec.workflow.kind) ? object.spec.workflow.kind : 'Workflow'";
const HAS_WORKFLOW_NAME =
  'has(object.spec) && has(object.spec.workflow) && has(object.spec.workflow.name) && type(object.spec.workflow.name) == string';
// The webhook checks an UPDATE only when it changes `spec.workflow`; status and metadata updates pass.
const WORKFLOW_CHANGED =
  "request.operation == 'CREATE' || !has(oldObject.spec) || !has(oldObject.spec.workflow) || oldObject.spec.workflow != object.spec.workflow";

/** The run names `workflow` (or, with `names`, any of those Workflows of its kind and namespace). */
function referenceMatch(workflow: WorkflowObject, names?: string[]): string {
  const nameTest =
    names === undefined
      ? `object.spec.workflow.name == ${celString(workflow.metadata?.name ?? '')}`
      : `object.spec.workflow.name in ${celLiteral(names)}`;
  if (workflow.kind === 'ClusterWorkflow') {
    return `${HAS_WORKFLOW_NAME} && (${RUN_KIND}) == 'ClusterWorkflow' && ${nameTest}`;
  }
  const namespace = celString(workflow.metadata?.namespace ?? '');
  return `${HAS_WORKFLOW_NAME} && (${RUN_KIND}) == 'Workflow' && ${nameTest} && request.namespace == ${namespace}`;
}

// The webhook's words: `WorkflowRun "name" is invalid: field: message; field: message`, one line (the API server
// refuses multi-line messages).
function invalidRunMessage(errors: string): string {
  return (
    `'WorkflowRun "' + object.metadata.name + '" is invalid: ' + ` +
    `(size(${errors}) > ${MAX_LISTED_ERRORS} ? ${errors}.slice(0, ${MAX_LISTED_ERRORS}).join('; ') + '; ' + string(size(${errors}) - ${MAX_LISTED_ERRORS}) + ' more errors not shown' : ${errors}.join('; '))`
  );
}

// A namespaced Workflow's policy is skipped for runs in every other namespace by a label selector, which the API
// server decides before any CEL: each policy a run passes through costs it a CEL activation.
function matchConstraints(namespace?: string): JSONObject {
  return {
    ...(namespace === undefined
      ? {}
      : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } }),
    resourceRules: [
      {
        apiGroups: [GROUP],
        apiVersions: [VERSION],
        operations: ['CREATE', 'UPDATE'],
        resources: ['workflowruns'],
      },
    ],
  };
}

function labels(role: string): Record<string, string> {
  return { [POLICY_MANAGED_BY_LABEL]: POLICY_MANAGED_BY, [POLICY_ROLE_LABEL]: role };
}

function binding(policyName: string): JSONObject {
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policyName, labels: labels('binding') },
    spec: { policyName, validationActions: ['Deny'] },
  };
}

function uncoveredText(uncovered: readonly UncoveredCheck[]): string {
  return uncovered.map(({ field, keyword, reason }) => `${field}: ${keyword} (${reason})`).join('\n');
}

function sourceHash(workflow: WorkflowObject, unknownParameters: UnknownParameterPolicy): string {
  return hash([POLICY_FORMAT_VERSION, unknownParameters, ...schemaSections(workflow)]);
}

function hash(source: unknown): string {
  return createHash('sha256').update(JSON.stringify(source)).digest('hex').slice(0, 32);
}

/** Bumped when the generated CEL changes, so reconcilers rewrite policies generated by an older version. */
const POLICY_FORMAT_VERSION = 5;
