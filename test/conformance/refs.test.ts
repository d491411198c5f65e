// OpenChoreo's resolver tests (refs-cases.json), one `it` per transcribed Go test.
import { expect } from 'chai';

import { SchemaError, type JSONObject } from '../../core/index.ts';
import { resolveRefs } from '../../core/engine.ts';
import {
  expectErrorMessage,
  expectPointers,
  expectSubset,
  loadConformance,
  type ConformanceCase,
} from './fixtures.ts';

interface RefsCase extends ConformanceCase {
  input: JSONObject | null;
}

const { cases } = loadConformance<RefsCase>('refs-cases.json');

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return expect.fail('expected an error, got a result');
}

describe('conformance: $ref resolution (refs-cases.json)', () => {
  it('has all 35 cases', () => {
    expect(cases).to.have.length(35);
  });

  for (const testCase of cases) {
    it(testCase.name, () => {
      const input = testCase.input;
      if (testCase.expectError !== undefined) {
        const error = thrownBy(() => resolveRefs(input));
        expect(error).to.be.instanceOf(SchemaError);
        expectErrorMessage(error, testCase.expectError);
        return;
      }
      const output = resolveRefs(input);
      if (testCase.expectSchema !== undefined) expect(output).to.deep.equal(testCase.expectSchema);
      if (testCase.expectSubset !== undefined) expectSubset(output, testCase.expectSubset);
      expectPointers(output, testCase.expectPresent, testCase.expectAbsent);
      expectPointers(input, testCase.expectInputPresent);
    });
  }
});
