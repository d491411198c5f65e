import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';

import {
  SchemaError,
  type JSONObject,
  type JSONSchema,
  type WorkflowObject,
  type WorkflowRunObject,
  workflowLabel,
  workflowReference,
  workflowReferenceErrors,
} from '../../core/index.ts';
import { compileWorkflow, MAX_RAW_SCHEMA_DEPTH, parseDocuments } from '../../core/engine.ts';

const SAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../local-cluster/openchoreo/samples',
);

function sample(relative: string, kind: string): WorkflowObject {
  const file = path.join(SAMPLES, relative);
  const found = parseDocuments(readFileSync(file, 'utf8'), file).find(
    (document) => (document as JSONObject).kind === kind,
  );
  if (!found) throw new Error(`no ${kind} in ${relative}`);
  return found as WorkflowObject;
}

function shorthandWorkflow(parameters: JSONObject, name = 'wf'): WorkflowObject {
  return { kind: 'Workflow', metadata: { name, namespace: 'team' }, spec: { schema: { parameters } } };
}

function openapiWorkflow(
  schema: unknown,
  kind: 'Workflow' | 'ClusterWorkflow' = 'ClusterWorkflow',
): WorkflowObject {
  return {
    kind,
    metadata: kind === 'Workflow' ? { name: 'wf', namespace: 'team' } : { name: 'cwf' },
    spec: { parameters: { openAPIV3Schema: schema as JSONObject } },
  };
}

function schemaErrorOf(workflow: WorkflowObject): SchemaError {
  try {
    compileWorkflow(workflow);
  } catch (error) {
    expect(error).to.be.instanceOf(SchemaError);
    return error as SchemaError;
  }
  throw new Error('expected a SchemaError');
}

describe('core/workflow: compileWorkflow', () => {
  it('compiles the shorthand format (v0.17) into a resolved JSON Schema', () => {
    const compiled = compileWorkflow(sample('v0.17/docker-build.yaml', 'Workflow'));
    expect(compiled.format).to.equal('shorthand');
    expect(compiled.schema.required).to.deep.equal(['docker', 'repository']);
    expect((compiled.schema.properties as JSONObject).docker).to.deep.include({ type: 'object' });
  });

  it('compiles the OpenAPI v3 format (v1.x) with $refs resolved and vendor keys kept for display', () => {
    const compiled = compileWorkflow(sample('v1.x/dockerfile-builder.yaml', 'ClusterWorkflow'));
    expect(compiled.format).to.equal('openapi');
    const repository = (compiled.schema.properties as JSONObject).repository as JSONObject;
    expect(repository.required).to.deep.equal(['url']);
    expect((repository.properties as JSONObject).url).to.have.property(
      'x-openchoreo-component-parameter-repository-url',
    );

    const withRefs = compileWorkflow(
      openapiWorkflow({
        type: 'object',
        $defs: { Port: { type: 'integer', default: 8080, maximum: 65535 } },
        properties: { port: { $ref: '#/$defs/Port' } },
      }),
    );
    expect(withRefs.schema).to.deep.equal({
      type: 'object',
      properties: { port: { type: 'integer', default: 8080, maximum: 65535 } },
    });
    expect(withRefs.applyDefaults({})).to.deep.equal({ port: 8080 });
    expect(withRefs.validate({ port: 70000 }).errors).to.deep.equal([
      {
        field: 'spec.workflow.parameters.port',
        message: 'Invalid value: 70000: must be less than or equal to 65535',
      },
    ]);
  });

  it('treats a Workflow without a schema as declaring no parameters', () => {
    const compiled = compileWorkflow({ kind: 'Workflow', metadata: { name: 'bare' }, spec: {} });
    expect(compiled.schema).to.deep.equal({ type: 'object', properties: {} });
    expect(compiled.applyDefaults(undefined)).to.deep.equal({});
    expect(compiled.validate({ x: 1 }).errors).to.deep.equal([
      { field: 'spec.workflow.parameters.x', message: 'Unknown field' },
    ]);
  });

  it('freezes the shared schema and never mutates parameters', () => {
    const compiled = compileWorkflow(sample('v0.17/docker-build.yaml', 'Workflow'));
    expect(Object.isFrozen(compiled.schema)).to.equal(true);
    expect(Object.isFrozen((compiled.schema.properties as JSONObject).docker)).to.equal(true);
    const parameters = { repository: { url: 'https://example.com/r' } };
    const before = structuredClone(parameters);
    compiled.applyDefaults(parameters);
    compiled.validate(parameters);
    expect(parameters).to.deep.equal(before);
  });

  it('names Workflows as Workflow "namespace/name" and ClusterWorkflow "name"', () => {
    expect(workflowLabel({ kind: 'Workflow', metadata: { name: 'a', namespace: 'ns' } })).to.equal(
      'Workflow "ns/a"',
    );
    expect(workflowLabel({ kind: 'ClusterWorkflow', metadata: { name: 'a' } })).to.equal(
      'ClusterWorkflow "a"',
    );
    expect(workflowLabel({ metadata: { name: 'a' } })).to.equal('Workflow "a"');
  });
});

describe('core/workflow: schemas that cannot be used name the Workflow and the field', () => {
  it('shorthand errors carry OpenChoreo text under spec.schema.parameters.<field>', () => {
    const error = schemaErrorOf(shorthandWorkflow({ port: 'integer | default=abc' }));
    expect(error.message).to.match(/^Workflow "team\/wf": spec\.schema\.parameters\.port: field "port": /);
    expect(error.field).to.equal('spec.schema.parameters.port');
  });

  it('an invalid regular expression is found in either format', () => {
    expect(schemaErrorOf(shorthandWorkflow({ db: { name: 'string | pattern=([' } })).message).to.match(
      /^Workflow "team\/wf": spec\.schema\.parameters\.db\.name: invalid pattern "\(\[": /,
    );
    expect(
      schemaErrorOf(
        openapiWorkflow({ type: 'object', properties: { name: { type: 'string', pattern: '([' } } }),
      ).message,
    ).to.match(
      /^ClusterWorkflow "cwf": spec\.parameters\.openAPIV3Schema\.properties\.name\.pattern: invalid pattern/,
    );
  });

  it('OpenAPI errors point into spec.parameters.openAPIV3Schema', () => {
    expect(
      schemaErrorOf(openapiWorkflow({ type: 'object', properties: { port: { type: 'integr' } } }, 'Workflow'))
        .message,
    ).to.equal(
      'Workflow "team/wf": spec.parameters.openAPIV3Schema.properties.port.type: Invalid value: "integr": must be equal to one of the allowed values',
    );
    const circular = schemaErrorOf(
      openapiWorkflow({
        type: 'object',
        $defs: { A: { type: 'object', properties: { b: { $ref: '#/$defs/B' } } }, B: { $ref: '#/$defs/A' } },
        properties: { a: { $ref: '#/$defs/A' } },
      }),
    );
    expect(circular.message).to.match(
      /^ClusterWorkflow "cwf": spec\.parameters\.openAPIV3Schema[.:].*circular/,
    );
  });

  it("refuses a key JSONSchemaProps has no field for, as OpenChoreo's strict decoding does", () => {
    expect(
      schemaErrorOf(
        openapiWorkflow({ type: 'object', properties: { port: { type: 'integer', defualt: 1 } } }),
      ).message,
    ).to.equal(
      'ClusterWorkflow "cwf": spec.parameters.openAPIV3Schema.properties.port.defualt: openAPIV3Schema contains unknown or invalid fields: json: unknown field "defualt"',
    );
    // Vendor extensions, keys that match a field but for case, and keys below items (decoded on their own, without
    // the strictness, in Go) are accepted.
    for (const schema of [
      { type: 'object', 'x-ui': { order: 1 }, properties: { a: { Type: 'string' } } },
      { type: 'object', properties: { l: { type: 'array', items: { type: 'string', typo: 1 } } } },
    ]) {
      expect(() => compileWorkflow(openapiWorkflow(schema))).to.not.throw();
    }
  });

  it('refuses a property named __proto__ instead of silently not validating it', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}') as JSONSchema;
    expect(schemaErrorOf(openapiWorkflow(schema)).message).to.contain('__proto__');
    expect(Object.prototype).to.not.have.own.property('type');
  });

  it('refuses malformed sections, both formats at once, and absurd nesting', () => {
    const notAMap = {
      kind: 'Workflow',
      metadata: { name: 'wf', namespace: 'team' },
      spec: { schema: { parameters: 'x' } },
    };
    expect(schemaErrorOf(notAMap as unknown as WorkflowObject).message).to.equal(
      'Workflow "team/wf": spec.schema.parameters: must be an object',
    );
    expect(schemaErrorOf(openapiWorkflow('text')).message).to.equal(
      'ClusterWorkflow "cwf": spec.parameters.openAPIV3Schema: must be an object',
    );
    const both: WorkflowObject = {
      kind: 'Workflow',
      metadata: { name: 'wf' },
      spec: { schema: { parameters: {} }, parameters: { openAPIV3Schema: { type: 'object' } } },
    };
    expect(schemaErrorOf(both).message).to.contain('mutually exclusive');
    let deep: JSONObject = { type: 'string' };
    for (let level = 0; level < 10_000; level++) deep = { type: 'object', properties: { a: deep } };
    expect(schemaErrorOf(openapiWorkflow(deep)).message).to.contain(
      `nested more than ${MAX_RAW_SCHEMA_DEPTH} levels`,
    );
    let deepShorthand: JSONObject = { leaf: 'string' };
    for (let level = 0; level < 10_000; level++) deepShorthand = { a: deepShorthand };
    expect(schemaErrorOf(shorthandWorkflow(deepShorthand)).message).to.match(
      /^Workflow "team\/wf": spec\.schema\.parameters/,
    );
  });

  it('a huge enum compiles fast and reports briefly', () => {
    const values = Array.from({ length: 100_000 }, (_, index) => `v${index}`);
    const compiled = compileWorkflow(
      openapiWorkflow({ type: 'object', properties: { e: { type: 'string', enum: values } } }),
    );
    expect(compiled.validate({ e: 'v99999' }).errors).to.deep.equal([]);
    const [error] = compiled.validate({ e: 'nope' }).errors;
    expect(error!.message).to.match(/\.\.\. \(99980 more\)$/);
  });
});

describe('core/workflow: the Workflow a run refers to', () => {
  const run = (workflow: JSONObject, namespace?: string): WorkflowRunObject =>
    ({
      metadata: { name: 'r', ...(namespace ? { namespace } : {}) },
      spec: { workflow },
    }) as WorkflowRunObject;

  it('is a namespaced Workflow in the run namespace when kind is absent (v0.17), or as kind says', () => {
    expect(workflowReference(run({ name: 'docker' }, 'team'))).to.deep.equal({
      kind: 'Workflow',
      name: 'docker',
      namespace: 'team',
    });
    expect(workflowReference(run({ kind: 'Workflow', name: 'docker' }, 'team'))).to.deep.equal({
      kind: 'Workflow',
      name: 'docker',
      namespace: 'team',
    });
    expect(workflowReference(run({ kind: 'ClusterWorkflow', name: 'docker' }, 'team'))).to.deep.equal({
      kind: 'ClusterWorkflow',
      name: 'docker',
    });
  });

  it('reports a missing name or an unsupported kind as field errors', () => {
    expect(workflowReferenceErrors(run({ name: 'ok' }))).to.deep.equal([]);
    expect(workflowReferenceErrors(run({ kind: 'Pipeline' }))).to.deep.equal([
      {
        field: 'spec.workflow.kind',
        message: 'Unsupported value: "Pipeline": supported values: "ClusterWorkflow", "Workflow"',
      },
      { field: 'spec.workflow.name', message: 'Required value' },
    ]);
    expect(workflowReferenceErrors({ spec: {} } as WorkflowRunObject)).to.deep.equal([
      { field: 'spec.workflow', message: 'Required value' },
    ]);
    expect(workflowReferenceErrors({} as WorkflowRunObject)).to.deep.equal([
      { field: 'spec', message: 'Required value' },
    ]);
  });
});
