// OpenChoreo's defaulting and validation Go tests (conformance/defaulting-cases.json), one `it` per case, run
// against the core's applyDefaults and validator.
import { expect } from 'chai';

import { formatFieldErrors, type JSONObject, type JSONSchema, type JSONValue } from '../../core/index.ts';
import {
  applyDefaults,
  resolveRefs,
  stripVendorExtensions,
  shorthandToJSONSchema,
  compileValidator,
} from '../../core/engine.ts';
import { expectErrorMessage, loadConformance, type ConformanceCase } from './fixtures.ts';

interface DefaultingCase extends ConformanceCase {
  format: 'openapi' | 'shorthand';
  schema: JSONObject | null;
  operation: 'default' | 'validate' | 'defaultThenValidate';
  values: JSONObject | null;
  expectValues?: JSONValue;
  expectValid?: true;
}

const { cases } = loadConformance<DefaultingCase>('defaulting-cases.json');

/** The README's "preparing" step: shorthand through the converter, OpenAPI resolved and stripped of x-* keys. */
function prepareSchema(testCase: DefaultingCase): JSONSchema | null {
  const { schema } = testCase;
  if (schema === null) return null;
  if (testCase.format === 'shorthand') {
    return shorthandToJSONSchema(schema.parameters as JSONObject, schema.types as JSONObject | undefined);
  }
  return stripVendorExtensions(resolveRefs(schema)) as JSONSchema | null;
}

function runCase(testCase: DefaultingCase): void {
  const schema = prepareSchema(testCase);
  let values: JSONValue | null = testCase.values;
  if (testCase.operation !== 'validate') {
    values = applyDefaults(schema, values);
    expect(values).to.deep.equal(testCase.expectValues);
  }
  if (testCase.operation !== 'default') {
    // Kubernetes' OpenAPI validation, as OpenChoreo calls it, does not prune: undeclared keys are not its concern.
    const { errors } = compileValidator(schema).validate(values ?? undefined, 'allow');
    if (errors.length > 0) throw new Error(formatFieldErrors(errors));
  }
}

describe('conformance: defaulting-cases.json', () => {
  it('has all 20 cases', () => {
    expect(cases).to.have.length(20);
  });

  for (const testCase of cases) {
    it(testCase.name, () => {
      const inputBefore = structuredClone(testCase.values);
      if (testCase.expectError !== undefined) {
        let caught: unknown;
        try {
          runCase(testCase);
        } catch (error) {
          caught = error;
        }
        expect(caught, 'expected an error').to.be.instanceOf(Error);
        expectErrorMessage(caught, testCase.expectError);
      } else {
        runCase(testCase);
        if (testCase.expectValid) expect(testCase.operation).to.not.equal('default');
      }
      expect(testCase.values, 'input values are not mutated').to.deep.equal(inputBefore);
    });
  }
});
