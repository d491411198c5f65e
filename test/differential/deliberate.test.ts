// The deliberate differences from Kubernetes' schema code (README, "Deliberate differences from Kubernetes"), each
// shown on both sides: what the Go oracle says, and what we say instead.
import { expect } from 'chai';

import type { JSONObject, JSONValue } from '../../core/index.ts';
import { verdictDifferences } from './compare.ts';
import { compileOurs, judgeOurs, type OurVerdict } from './ours.ts';
import { ReferenceProcess, type ReferenceVerdict } from './reference.ts';

const P = 'spec.workflow.parameters';
let reference: ReferenceProcess;

async function both(
  schema: JSONObject,
  value: JSONValue,
): Promise<{ ours: OurVerdict; go: ReferenceVerdict }> {
  const form = { openapi: schema };
  return {
    ours: judgeOurs(form, compileOurs(form), value),
    go: await reference.judge({ schema, value }),
  };
}

const paths = (verdict: OurVerdict) => verdict.errors.map((error) => error.field);
const goPaths = (verdict: ReferenceVerdict) => (verdict.errors ?? []).map((error) => error.path);

describe('differential: the deliberate differences from Kubernetes', function () {
  this.timeout(30_000);
  before(() => {
    reference = new ReferenceProcess();
  });
  after(() => reference.close());

  it('an undeclared parameter is denied by default (Kubernetes keeps it); --unknown-parameters allow agrees', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const { ours, go } = await both(schema, { a: 'x', typo: 1 });
    expect(goPaths(go)).to.deep.equal([]);
    expect(ours.errors).to.deep.equal([]); // judged with allow, as the differential test does
    const form = { openapi: schema };
    const compiled = compileOurs(form);
    if (compiled instanceof Error) throw compiled;
    expect(compiled.validate({ a: 'x', typo: 1 }).errors).to.deep.equal([
      { field: `${P}.typo`, message: 'Unknown field' },
    ]);
  });

  it('a failed anyOf/oneOf/allOf/not is reported at its field; Kubernetes names the field in a root error', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'object', anyOf: [{ required: ['a'] }, { required: ['b'] }] } },
    };
    const { ours, go } = await both(schema, { name: {} });
    expect(paths(ours)).to.deep.equal([`${P}.name`]);
    expect(goPaths(go)).to.have.members([P, `${P}.name.a`]);
    expect(verdictDifferences(ours, go, { name: {} })).to.deep.equal([]);
  });

  it("a required object whose fields all have defaults is created, as the seed's minimal run promises", async () => {
    const schema = {
      type: 'object',
      required: ['docker'],
      properties: { docker: { type: 'object', properties: { context: { type: 'string', default: '.' } } } },
    };
    const { ours, go } = await both(schema, {});
    expect(ours.defaulted).to.deep.equal({ docker: { context: '.' } });
    expect(ours.errors).to.deep.equal([]);
    expect(go.defaulted).to.deep.equal({});
    expect(goPaths(go)).to.deep.equal([`${P}.docker`]);
  });

  it('a schema every run would fail is refused at the Workflow: no such type, a pattern RE2 cannot read, __proto__', async () => {
    const properties: JSONObject[] = [{ type: 'integr' }, { type: 'string', pattern: '(?=a)b' }];
    for (const property of properties) {
      const schema = { type: 'object', properties: { p: property } };
      const ours = compileOurs({ openapi: schema });
      expect(ours, JSON.stringify(property)).to.be.instanceOf(Error);
      expect((await reference.judge({ schema })).schemaAccepted).to.equal(true);
    }
    // ajv would silently skip a property named __proto__, so it is refused rather than left unchecked.
    const proto = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}') as JSONObject;
    expect(compileOurs({ openapi: proto })).to.be.instanceOf(Error);
    expect((await reference.judge({ schema: proto })).schemaAccepted).to.equal(true);
  });
});
