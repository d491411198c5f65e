// Parameter names that are also Object.prototype's (`constructor`, `toString`) stay plain data end to end: their
// defaults are patched in as ordinary keys, and a schema declaring `__proto__` is refused with a clear message
// instead of being half-honoured. Handlers are called directly (the pure handler API).
import { expect } from 'chai';
import type { JSONValue, WorkflowObject } from '../../core/index.ts';
import { CompiledSchemaCache } from '../../webhook/compiled-schemas.ts';
import { admissionContext } from '../../webhook/admission.ts';
import { admissionRoutes } from '../../webhook/handlers.ts';
import { StaticWorkflows } from '../../webhook/workflows.ts';
import { prototypeFingerprint } from './support.ts';

const context = admissionContext();

// JSON text, so that the keys are own properties whatever they are called.
const WORKFLOW = JSON.parse(`{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workflow",
  "metadata":{"name":"ctor","namespace":"default"},
  "spec":{"parameters":{"openAPIV3Schema":{"type":"object","properties":{
    "constructor":{"type":"string","default":"ctor-default"},
    "toString":{"type":"string","default":"ts"},
    "hasOwnProperty":{"type":"integer","default":3}}}}}}`) as WorkflowObject;

function run(parametersText: string): JSONValue {
  return JSON.parse(
    `{"apiVersion":"openchoreo.dev/v1alpha1","kind":"WorkflowRun","metadata":{"name":"r","namespace":"default"},` +
      `"spec":{"workflow":{"kind":"Workflow","name":"ctor","parameters":${parametersText}}}}`,
  ) as JSONValue;
}

describe('reliability: prototype-named parameters stay plain data', function () {
  const routes = admissionRoutes({
    workflows: new StaticWorkflows([WORKFLOW]),
    compiledWorkflows: new CompiledSchemaCache(),
    unknownParameters: 'deny',
  });
  const fingerprint = prototypeFingerprint();
  afterEach(() => expect(prototypeFingerprint()).to.equal(fingerprint));

  it('defaults of constructor, toString and hasOwnProperty are patched in as ordinary keys', async function () {
    const answer = await routes['/mutate-workflowrun']!.handler(
      {
        uid: 'u',
        operation: 'CREATE',
        namespace: 'default',
        object: run('{}'),
      },
      context,
    );
    const patch = JSON.parse(Buffer.from(answer.patch ?? '', 'base64').toString('utf8')) as {
      op: string;
      path: string;
      value: unknown;
    }[];
    expect(patch).to.deep.include({
      op: 'add',
      path: '/spec/workflow/parameters/constructor',
      value: 'ctor-default',
    });
    expect(patch).to.deep.include({ op: 'add', path: '/spec/workflow/parameters/toString', value: 'ts' });
    expect(patch).to.deep.include({ op: 'add', path: '/spec/workflow/parameters/hasOwnProperty', value: 3 });
  });

  it('given values of those names are validated as values, wrong types denied', async function () {
    const validate = routes['/validate-workflowrun']!.handler;
    const ok = await validate(
      {
        uid: 'u',
        operation: 'CREATE',
        namespace: 'default',
        object: run('{"constructor":"mine","hasOwnProperty":4}'),
      },
      context,
    );
    expect(ok.allowed, JSON.stringify(ok)).to.equal(true);
    const bad = await validate(
      {
        uid: 'u',
        operation: 'CREATE',
        namespace: 'default',
        object: run('{"hasOwnProperty":"four"}'),
      },
      context,
    );
    expect(bad.allowed).to.equal(false);
    expect(bad.status?.message).to.include('spec.workflow.parameters.hasOwnProperty');
  });

  it('a Workflow declaring a __proto__ parameter is refused at apply time with a message naming it', async function () {
    const object =
      JSON.parse(`{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workflow","metadata":{"name":"p","namespace":"default"},
      "spec":{"parameters":{"openAPIV3Schema":{"type":"object","properties":{"__proto__":{"type":"string","default":"x"}}}}}}`) as JSONValue;
    const answer = await routes['/validate-workflow']!.handler(
      {
        uid: 'u',
        operation: 'CREATE',
        namespace: 'default',
        kind: { group: 'openchoreo.dev', version: 'v1alpha1', kind: 'Workflow' },
        object,
      },
      context,
    );
    expect(answer.allowed).to.equal(false);
    expect(answer.status?.message).to.match(/__proto__/);
  });
});
