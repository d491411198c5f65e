// OpenChoreo's own ExtractSchema tests (schema_test.go), transcribed to data, run against the TypeScript port.
import { expect } from 'chai';

import type { JSONObject } from '../../core/index.ts';
import { shorthandToJSONSchema, splitRespectingQuotes, type ShorthandOptions } from '../../core/engine.ts';
import type { ConformanceCase } from './fixtures.ts';
import { expectErrorMessage, expectPointers, expectSubset, loadConformance } from './fixtures.ts';

interface ShorthandInput {
  parameters: JSONObject;
  types?: JSONObject;
}

interface ShorthandCase extends ConformanceCase {
  input: ShorthandInput;
  options?: ShorthandOptions;
  expectSameSchemaAs?: ShorthandInput;
}

const fixtures = loadConformance<ShorthandCase>('shorthand-cases.json');

function convert(input: ShorthandInput, options?: ShorthandOptions) {
  return shorthandToJSONSchema(input.parameters, input.types, options);
}

describe('conformance: shorthand schema (OpenChoreo schema_test.go)', () => {
  it('has every case the README promises', () => {
    expect(fixtures.cases).to.have.length(81);
    expect(fixtures.splitCases).to.have.length(9);
  });

  for (const testCase of fixtures.cases) {
    it(testCase.name, () => {
      if (testCase.expectError !== undefined) {
        expect(() => convert(testCase.input, testCase.options)).to.throw();
        try {
          convert(testCase.input, testCase.options);
        } catch (error) {
          expect(error).to.have.property('name', 'SchemaError');
          expectErrorMessage(error, testCase.expectError);
        }
        return;
      }
      const schema = convert(testCase.input, testCase.options);
      if (testCase.expectSchema !== undefined) {
        expect(schema).to.deep.equal(testCase.expectSchema);
        // The Go test compares marshalled text; the fixture's key order is Go's.
        expect(JSON.stringify(schema, null, 2)).to.equal(JSON.stringify(testCase.expectSchema, null, 2));
      }
      if (testCase.expectSubset !== undefined) expectSubset(schema, testCase.expectSubset);
      if (testCase.expectSameSchemaAs !== undefined) {
        expect(JSON.stringify(schema)).to.equal(
          JSON.stringify(convert(testCase.expectSameSchemaAs, testCase.options)),
        );
      }
      expectPointers(schema, testCase.expectPresent, testCase.expectAbsent);
    });
  }

  for (const splitCase of fixtures.splitCases ?? []) {
    it(splitCase.name, () => {
      expect(splitRespectingQuotes(splitCase.input, splitCase.separator)).to.deep.equal(splitCase.expect);
    });
  }
});
