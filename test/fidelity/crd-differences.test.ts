// The comparison the fidelity test relies on: were it blind, the fidelity test would pass whatever our CRDs say.
import { expect } from 'chai';

import { comparable, differences } from './crd-differences.ts';

const crd = (field: Record<string, unknown>, annotations?: Record<string, string>) => ({
  metadata: { name: 'things.example.com', ...(annotations ? { annotations } : {}) },
  spec: {
    versions: [
      {
        name: 'v1',
        additionalPrinterColumns: [{ name: 'Age', type: 'date', description: 'column text' }],
        schema: { openAPIV3Schema: { type: 'object', properties: { field } } },
      },
    ],
  },
});

describe('fidelity: comparing CRDs descriptions aside', () => {
  it('ignores descriptions and the generator annotation', () => {
    const ours = crd({ type: 'string', description: 'ours' });
    const theirs = crd(
      { type: 'string', description: 'theirs' },
      { 'controller-gen.kubebuilder.io/version': 'v1' },
    );
    (theirs.spec.versions[0]!.additionalPrinterColumns[0] as { description?: string }).description = 'other';
    expect(differences(comparable(ours), comparable(theirs))).to.deep.equal([]);
  });

  it('keeps a field named "description", and descriptions inside defaults and enums, as data', () => {
    const field = (described: string) => ({
      type: 'object',
      default: { description: described },
      properties: { description: { type: 'string' } },
    });
    expect(differences(comparable(crd(field('a'))), comparable(crd(field('a'))))).to.deep.equal([]);
    expect(differences(comparable(crd(field('a'))), comparable(crd(field('b'))))).to.deep.equal([
      'spec.versions[0].schema.openAPIV3Schema.properties.field.default.description: ours "a", OpenChoreo "b"',
    ]);
    const withoutField = { type: 'object', default: { description: 'a' }, properties: {} };
    expect(differences(comparable(crd(withoutField)), comparable(crd(field('a'))))).to.deep.equal([
      'spec.versions[0].schema.openAPIV3Schema.properties.field.properties.description: ours absent, OpenChoreo {"type":"string"}',
    ]);
  });

  it('names every difference by its path: values, missing keys, lists and other annotations', () => {
    const ours = crd({ type: 'string', enum: ['a', 'b'], minLength: 1 }, { team: 'x' });
    const theirs = crd({
      type: 'string',
      enum: ['a', 'c'],
      'x-kubernetes-validations': [{ rule: 'self == oldSelf' }],
    });
    expect(differences(comparable(ours), comparable(theirs))).to.deep.equal([
      'metadata.annotations: ours {"team":"x"}, OpenChoreo absent',
      'spec.versions[0].schema.openAPIV3Schema.properties.field.enum[1]: ours "b", OpenChoreo "c"',
      'spec.versions[0].schema.openAPIV3Schema.properties.field.minLength: ours 1, OpenChoreo absent',
      'spec.versions[0].schema.openAPIV3Schema.properties.field.x-kubernetes-validations: ours absent, OpenChoreo [{"rule":"self == oldSelf"}]',
    ]);
    expect(differences(['a'], ['a', 'b'])).to.deep.equal([
      '(the whole object): ours ["a"], OpenChoreo ["a","b"]',
    ]);
  });
});
