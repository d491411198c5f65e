// OpenChoreo's openapiv3.go tests (openapiv3-cases.json), one `it` per transcribed Go test.
import { expect } from 'chai';

import type { JSONObject, JSONValue } from '../../core/index.ts';
import {
  openAPIV3ToJSONSchema,
  openAPIV3ToResolvedSchema,
  openAPIV3ToStructural,
  openAPIV3ToStructuralAndJSONSchema,
  stripVendorExtensions,
  applyDefaults,
} from '../../core/engine.ts';
import { expectPointers, expectSubset, loadConformance, type ConformanceCase } from './fixtures.ts';

type Operation =
  | 'StripVendorExtensions'
  | 'OpenAPIV3ToResolvedSchema'
  | 'OpenAPIV3ToJSONSchema'
  | 'OpenAPIV3ToStructural'
  | 'OpenAPIV3ToStructuralAndJSONSchema'
  | 'ApplyDefaults';

interface OpenAPIV3Case extends ConformanceCase {
  operation: Operation;
  input: JSONObject | null;
  values?: JSONValue;
  expectValues?: JSONValue;
}

function run(testCase: OpenAPIV3Case): unknown {
  const { input } = testCase;
  switch (testCase.operation) {
    case 'StripVendorExtensions':
      return stripVendorExtensions(input);
    case 'OpenAPIV3ToResolvedSchema':
      return openAPIV3ToResolvedSchema(input);
    case 'OpenAPIV3ToJSONSchema':
      return openAPIV3ToJSONSchema(input);
    case 'OpenAPIV3ToStructural':
      return openAPIV3ToStructural(input);
    case 'OpenAPIV3ToStructuralAndJSONSchema':
      return openAPIV3ToStructuralAndJSONSchema(input);
    case 'ApplyDefaults':
      return applyDefaults(openAPIV3ToStructural(input), testCase.values);
  }
}

const { cases } = loadConformance<OpenAPIV3Case>('openapiv3-cases.json');

describe('conformance: openAPIV3Schema conversions (openapiv3-cases.json)', () => {
  it('has all 34 cases', () => {
    expect(cases).to.have.length(34);
  });

  for (const testCase of cases) {
    it(testCase.name, () => {
      const inputBefore = structuredClone(testCase.input);
      const output = run(testCase);
      if (testCase.expectSchema !== undefined) expect(output).to.deep.equal(testCase.expectSchema);
      if (testCase.expectSubset !== undefined) expectSubset(output, testCase.expectSubset);
      if (testCase.expectValues !== undefined) expect(output).to.deep.equal(testCase.expectValues);
      expectPointers(output, testCase.expectPresent, testCase.expectAbsent);
      expectPointers(testCase.input, testCase.expectInputPresent);
      expect(testCase.input, 'input unchanged').to.deep.equal(inputBefore);
    });
  }
});
