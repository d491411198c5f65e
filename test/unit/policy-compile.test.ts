// The schema-to-CEL compiler and the policy objects, without an API server: what gets checked, what is reported
// as not enforced, and the objects' names, labels and matching. test/e2e/policy.test.ts runs the CEL for real.
import { expect } from 'chai';

import {
  compileParameterRules,
  groupedWorkflowPolicies,
  MAX_CEL_SCHEMA_DEPTH,
  policyName,
  POLICY_UNCOVERED_ANNOTATION,
  unknownWorkflowsPolicy,
  workflowPolicy,
} from '../../core/engine.ts';
import type { JSONObject, JSONSchema, WorkflowObject } from '../../core/index.ts';
import { compileRE2 } from '../../core/go/regexp.ts';
import { strfmtPattern } from '../../core/go/strfmt.ts';
import { FORMAT_SAMPLES } from '../differential/generators.ts';

const ROOT = 'variables.parameters';

function rules(schema: JSONSchema, unknownParameters: 'deny' | 'warn' = 'deny') {
  const compiled = compileParameterRules(schema, { root: ROOT, unknownParameters });
  return { ...compiled, text: compiled.parts.map((part) => part.expression).join('\n') };
}

function workflow(schema: JSONSchema, overrides: Partial<WorkflowObject> = {}): WorkflowObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name: 'build', namespace: 'team-a' },
    spec: { parameters: { openAPIV3Schema: schema } },
    ...overrides,
  };
}

describe('policy: schema to CEL', function () {
  it('checks type, enum, pattern and length with the field path in the webhook words', function () {
    const { text, uncovered } = rules({
      type: 'object',
      properties: {
        format: { type: 'string', enum: ['json', 'yaml'] },
        url: { type: 'string', pattern: '^https://', maxLength: 200 },
      },
    });
    expect(uncovered).to.deep.equal([]);
    expect(text).to.contain(`${ROOT}.format in ['json', 'yaml']`);
    expect(text).to.contain(`supported values: "json", "yaml"`);
    expect(text).to.contain(`${ROOT}.url.matches('^https://')`);
    expect(text).to.contain(`'spec.workflow.parameters.url: Too long: may not be longer than 200'`);
    expect(text).to.contain(`must be of type string`);
  });

  it('treats a missing property with a default as present, and its default as the value', function () {
    const { text } = rules({
      type: 'object',
      required: ['mode', 'name'],
      properties: { mode: { type: 'string', default: 'fast' }, name: { type: 'string' } },
    });
    expect(text).not.to.contain('.mode: Required value');
    expect(text).to.contain('.name: Required value');
  });

  it('denies a missing property whose default the webhook would refuse', function () {
    const { text } = rules({
      type: 'object',
      properties: { level: { type: 'integer', minimum: 1, default: 0 } },
    });
    expect(text).to.contain('.level: Invalid value: 0: must be greater than or equal to 1 (the default)');
  });

  it('denies undeclared keys only when the unknown-parameter policy is deny', function () {
    const schema: JSONSchema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(rules(schema).text).to.contain(`!(k0 in ['a'])`);
    expect(rules(schema, 'warn').text).not.to.contain('Unknown field');
  });

  it('walks list items and map values with their index or key in the path', function () {
    const { text } = rules({
      type: 'object',
      properties: {
        tags: { type: 'array', maxItems: 5, uniqueItems: true, items: { type: 'string', minLength: 1 } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    });
    expect(text).to.contain(`'spec.workflow.parameters.tags' + '[' + string(i1) + ']'`);
    expect(text).to.contain('Duplicate value');
    expect(text).to.contain(`'spec.workflow.parameters.labels' + '[' + k1 + ']'`);
  });

  it('translates anyOf, oneOf, allOf and not', function () {
    const { text, uncovered } = rules({
      type: 'object',
      properties: {
        port: {
          anyOf: [{ type: 'integer' }, { type: 'string' }],
          not: { enum: [0] },
          oneOf: [{ minimum: 1 }, { maximum: -1 }],
          allOf: [{ maximum: 65535 }],
        },
      },
    });
    expect(uncovered).to.deep.equal([]);
    for (const words of [
      'must match at least one of the allowed schemas',
      'must match exactly one of the allowed schemas',
      'must not match the forbidden schema',
      'must be less than or equal to 65535',
    ])
      expect(text).to.contain(words);
  });

  it('reports per keyword and field what it leaves to the webhook', function () {
    const { uncovered } = rules({
      type: 'object',
      properties: {
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', uniqueItems: true },
        extra: { type: 'object', patternProperties: { '^x': { type: 'string' } } },
        choice: { oneOf: [{ type: 'string', format: 'date' }, { type: 'integer' }] },
      },
    });
    expect(uncovered.map(({ field, keyword }) => `${field} ${keyword}`)).to.deep.equal([
      'spec.workflow.parameters.when format: date-time',
      'spec.workflow.parameters.tags uniqueItems',
      'spec.workflow.parameters.extra patternProperties',
      'spec.workflow.parameters.choice oneOf',
    ]);
  });

  it("checks Kubernetes' formats, not ajv's: its regular-expression ones in CEL, those checked by code reported", function () {
    const { text, uncovered } = rules({
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        name: { type: 'string', format: 'k8s-short-name' },
        address: { type: 'string', format: 'ipv4' },
        secret: { type: 'string', format: 'password' },
        ratio: { type: 'number', format: 'float' },
        other: { type: 'string', format: 'made-up' },
      },
    });
    // Kubernetes' uuid takes the dashes as optional; ajv's requires them.
    expect(text).to.contain(`${ROOT}.id.matches('(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?`);
    expect(text).to.contain(
      `size(${ROOT}.name) <= 63 && ${ROOT}.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')`,
    );
    expect(text).not.to.contain('password');
    expect(uncovered.map(({ field, keyword }) => `${field} ${keyword}`)).to.deep.equal([
      'spec.workflow.parameters.address format: ipv4',
    ]);
  });

  it('every regular-expression format compiles as RE2', function () {
    for (const format of Object.keys(FORMAT_SAMPLES)) {
      const check = strfmtPattern(format);
      if (check)
        expect(
          () => compileRE2(`${check.regex.flags.includes('i') ? '(?i)' : ''}${check.regex.source}`),
          format,
        ).not.to.throw();
    }
  });

  it('lets a string stand in for a non-numeric type when a Kubernetes format is set, as kube-openapi does', function () {
    const { text } = rules({ type: 'object', properties: { flag: { type: 'boolean', format: 'uuid' } } });
    expect(text).to.contain(
      `type(${ROOT}.flag) == bool || type(${ROOT}.flag) == string || type(${ROOT}.flag) == list`,
    );
  });

  it('checks a null against type and enum alone, never against allOf/anyOf/oneOf/not', function () {
    const { text } = rules({
      type: 'object',
      properties: { b: { type: 'string', nullable: true, allOf: [{ enum: ['a'] }], not: { minLength: 3 } } },
    });
    expect(text).to.contain(`((type(${ROOT}.b) != null_type) ? (`);
  });

  it('matches an enum as kube-openapi: whole entries by the integer part, null never', function () {
    const { text } = rules({
      type: 'object',
      properties: {
        level: { type: 'integer', nullable: true, enum: [2, -1, 0, 1.5, null, [1], ['x']] },
      },
    });
    const v = `${ROOT}.level`;
    expect(text).to.contain(`${v} >= 2 && ${v} < 3`);
    expect(text).to.contain(`${v} > -2 && ${v} <= -1`);
    expect(text).to.contain(`${v} > -1 && ${v} < 1`);
    expect(text).to.contain(`${v} == 1.5`);
    expect(text).to.contain(`${v} == ['x']`);
    expect(text).not.to.contain(`${v} == null`);
    expect(text).not.to.contain(`${v} == [1]`);
  });

  it('calls a number an integer, or a multiple, as go-openapi/swag does: within 2^53 and a relative 1e-9', function () {
    const { text } = rules({
      type: 'object',
      properties: { count: { type: 'integer', multipleOf: 3 }, share: { type: 'number', multipleOf: 0.1 } },
    });
    const v = `${ROOT}.count`;
    expect(text).to.contain(`type(${v}) == int && ${v} >= -9007199254740991 && ${v} <= 9007199254740991`);
    expect(text).to.contain(`(double(${v}) / 3.0)`);
    expect(text).to.contain(`(1.0 / 0.1 * double(${ROOT}.share))`);
    expect(text).to.contain('< 1e-9');
    expect(text).not.to.contain(`${v} % 3`);
  });

  it('counts the keys defaulting fills in against minProperties and maxProperties', function () {
    const { text } = rules({
      type: 'object',
      maxProperties: 1,
      minProperties: 1,
      properties: { mode: { type: 'string', default: 'fast' }, name: { type: 'string' } },
    });
    const size = `(size(${ROOT}) + size(['mode'].filter(d0, !(d0 in ${ROOT}))))`;
    expect(text).to.contain(`${size} <= 1`);
    expect(text).to.contain(`${size} >= 1`);
  });

  it('denies a null map value or list item exactly when the default that replaces it is invalid', function () {
    const valued = (pattern: string) =>
      rules({
        type: 'object',
        properties: {
          labels: {
            type: 'object',
            additionalProperties: { type: 'string', default: 'a', allOf: [{ pattern }] },
          },
        },
      }).text;
    expect(valued('^[0-9]+$')).to.contain(
      `(type(x1) == null_type ? ['spec.workflow.parameters.labels' + '[' + k1 + ']' + ': Invalid value: "a": must match pattern "^[0-9]+$" (the default)'] :`,
    );
    expect(valued('^[a-z]+$')).to.contain('(type(x1) == null_type ? [] :');
  });

  it('stops below a depth and says so', function () {
    let schema: JSONSchema = { type: 'string' };
    for (let level = 0; level <= MAX_CEL_SCHEMA_DEPTH + 1; level++)
      schema = { type: 'object', properties: { deeper: schema } };
    const { uncovered } = rules(schema);
    expect(uncovered).to.have.length(1);
    expect(uncovered[0]!.reason).to.contain('levels deep');
  });

  it('quotes keys that are not CEL identifiers', function () {
    const { text } = rules({
      type: 'object',
      properties: { 'dry-run': { type: 'boolean' }, in: { type: 'string' } },
    });
    expect(text).to.contain(`'dry-run' in ${ROOT}`);
    expect(text).to.contain(`${ROOT}['in']`);
  });
});

describe('policy: objects', function () {
  it('names, labels and matches one Workflow, denying through its binding', function () {
    const { policy, binding, uncovered } = workflowPolicy(
      workflow({ type: 'object', properties: { a: { type: 'string' } } }),
    );
    expect(uncovered).to.deep.equal([]);
    const metadata = policy.metadata as JSONObject;
    expect(metadata.name).to.equal('openchoreo-workflowrun.workflow.team-a.build');
    expect(metadata.labels).to.deep.include({ 'app.kubernetes.io/managed-by': 'openchoreo-workflowrun' });
    const spec = policy.spec as { matchConditions: { expression: string }[]; matchConstraints: JSONObject };
    expect(spec.matchConditions[0]!.expression).to.contain("object.spec.workflow.name == 'build'");
    expect(spec.matchConditions[0]!.expression).to.contain("request.namespace == 'team-a'");
    expect(JSON.stringify(spec.matchConstraints)).to.contain('"operations":["CREATE","UPDATE"]');
    expect(binding.spec).to.deep.equal({ policyName: metadata.name, validationActions: ['Deny'] });
  });

  it('puts what is not enforced in an annotation', function () {
    const { policy } = workflowPolicy(
      workflow({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } }),
    );
    const annotations = (policy.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations[POLICY_UNCOVERED_ANNOTATION]).to.equal(
      'spec.workflow.parameters.at: format: date-time (checked by code, not a regular expression)',
    );
  });

  it('names a ClusterWorkflow apart and shortens an over-long name with a hash', function () {
    const cluster = workflow({}, { kind: 'ClusterWorkflow', metadata: { name: 'shared' } });
    expect(policyName(cluster)).to.equal('openchoreo-workflowrun.clusterworkflow.shared');
    const long = policyName(workflow({}, { metadata: { name: 'n'.repeat(253), namespace: 'ns' } }));
    expect(long).to.have.length.at.most(253);
    expect(long).to.match(/\.[0-9a-f]{16}$/);
  });

  it('lists every known Workflow in the unknown-Workflow policy', function () {
    const { policy } = unknownWorkflowsPolicy([
      workflow({}),
      workflow({}, { kind: 'ClusterWorkflow', metadata: { name: 'shared' } }),
    ]);
    const variables = (policy.spec as { variables: { name: string; expression: string }[] }).variables;
    expect(variables.find((v) => v.name === 'known')!.expression).to.equal(
      "{'ClusterWorkflow//shared': true, 'Workflow/team-a/build': true}",
    );
  });

  it("groups the Workflows of a namespace into one policy that picks the run's Workflow by name", function () {
    const schema: JSONSchema = { type: 'object', properties: { a: { type: 'string' } } };
    const { policies, skipped } = groupedWorkflowPolicies([
      workflow(schema),
      workflow(schema, { metadata: { name: 'test', namespace: 'team-a' } }),
      workflow(schema, { metadata: { name: 'other', namespace: 'team-b' } }),
      workflow({}, { kind: 'ClusterWorkflow', metadata: { name: 'shared' } }),
      workflow(
        { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } },
        { metadata: { name: 'broken', namespace: 'team-a' } },
      ),
    ]);
    expect(policies.map(({ policy }) => (policy.metadata as { name: string }).name)).to.deep.equal([
      'openchoreo-workflowrun.clusterworkflows',
      'openchoreo-workflowrun.namespace.team-a',
      'openchoreo-workflowrun.namespace.team-b',
    ]);
    expect(skipped.map(({ workflow }) => workflow.metadata?.name)).to.deep.equal(['broken']);
    const spec = policies[1]!.policy.spec as {
      matchConditions: { expression: string }[];
      variables: { name: string; expression: string }[];
    };
    expect(spec.matchConditions[0]!.expression).to.contain("object.spec.workflow.name in ['build', 'test']");
    const errors = spec.variables.find((variable) => variable.name === 'errors')!.expression;
    expect(errors).to.match(
      /^object\.spec\.workflow\.name == 'build' \? .* : \(object\.spec\.workflow\.name == 'test' \? .* : \(\[\]\)\)$/,
    );
  });
});
