// The differential test: random schemas and values from fixed seeds, judged by our core (the path of
// `kubectl workflowrun validate -o json --unknown-parameters allow`) and by Kubernetes' own schema code in the Go
// oracle (test/reference). Schema accepted or not, verdict, defaulted value and field paths in error must agree.
//
// A failure prints the shrunk case and the line that replays it:
//   FAILING_SEED=<seed> FAILING_PATH=<path> npx mocha test/differential/differential.test.ts
import { expect } from 'chai';
import fc from 'fast-check';

import type { JSONObject, JSONValue } from '../../core/index.ts';
import { shorthandToJSONSchema } from '../../core/engine.ts';
import { verdictDifferences } from './compare.ts';
import { openapiCase, parameterValues, shorthandCase } from './generators.ts';
import { compileOurs, judgeOurs, type SchemaForm } from './ours.ts';
import { ReferenceProcess, type ReferenceCase } from './reference.ts';

interface Sample {
  form: SchemaForm;
  /** The schema the reference judges: the openAPIV3Schema itself, or our converter's output for a shorthand. */
  referenceSchema: JSONObject;
  values: JSONValue[];
}

const OPENAPI_SEEDS = [12, 1201, 1202, 1203];
const OPENAPI_SAMPLES_PER_SEED = 1500;
const SHORTHAND_SEEDS = [1212, 1213];
const SHORTHAND_SAMPLES_PER_SEED = 600;

const openapiSamples: fc.Arbitrary<Sample> = openapiCase().map(({ schema, values }) => ({
  form: { openapi: schema },
  referenceSchema: schema,
  values,
}));

const shorthandSamples: fc.Arbitrary<Sample> = shorthandCase()
  .map((section) => {
    try {
      return { section, converted: shorthandToJSONSchema(section.parameters as JSONObject) };
    } catch {
      return undefined; // the converter's refusals are the conformance cases' subject
    }
  })
  .filter((converted) => converted !== undefined)
  .chain(({ section, converted }) =>
    parameterValues(converted).map((list) => ({
      form: { shorthand: section },
      referenceSchema: converted,
      values: list,
    })),
  );

let reference: ReferenceProcess;
let casesRun = 0;

async function differencesIn(sample: Sample): Promise<string[]> {
  const compiled = compileOurs(sample.form);
  const cases: ReferenceCase[] = [
    { schema: sample.referenceSchema },
    ...sample.values.map((value) => ({ schema: sample.referenceSchema, value })),
  ];
  const verdicts = await reference.judgeAll(cases);
  const differences = verdictDifferences(judgeOurs(sample.form, compiled, {}), verdicts[0]!, undefined);
  sample.values.forEach((value, index) => {
    casesRun++;
    for (const difference of verdictDifferences(
      judgeOurs(sample.form, compiled, value),
      verdicts[index + 1]!,
      value,
    ))
      differences.push(`value ${JSON.stringify(value)}: ${difference}`);
  });
  return differences;
}

async function checkSeed(arbitrary: fc.Arbitrary<Sample>, seed: number, numRuns: number): Promise<void> {
  const path = process.env.FAILING_PATH;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (sample) => {
      const differences = await differencesIn(sample);
      if (differences.length > 0) throw new Error([...new Set(differences)].join('\n'));
    }),
    { seed, numRuns, ...(path ? { path } : {}) },
  );
  if (!details.failed) return;
  const shrunk = details.counterexample?.[0] as Sample | undefined;
  expect.fail(
    [
      `our core and Kubernetes' schema code disagree (seed ${seed}, after ${details.numRuns} samples):`,
      `  replay: FAILING_SEED=${seed} FAILING_PATH=${details.counterexamplePath} npx mocha test/differential/differential.test.ts`,
      `  schema: ${JSON.stringify(shrunk?.form)}`,
      ...(shrunk && 'shorthand' in shrunk.form
        ? [`  converted: ${JSON.stringify(shrunk.referenceSchema)}`]
        : []),
      `  values: ${JSON.stringify(shrunk?.values)}`,
      ...String((details.errorInstance as Error | undefined)?.message)
        .split('\n')
        .map((line) => `  ${line}`),
    ].join('\n'),
  );
}

function seedsOf(seeds: number[]): number[] {
  const failing = process.env.FAILING_SEED;
  return failing === undefined ? seeds : seeds.filter((seed) => seed === Number(failing));
}

describe('differential: our core against Kubernetes apiextensions (test/reference)', function () {
  this.timeout(600_000);

  before(() => {
    reference = new ReferenceProcess();
  });
  after(async () => {
    await reference.close();
    console.log(`      differential cases run: ${casesRun}`);
  });

  // Go reads a default's whole numbers as int64 and a run's own numbers as float64, and kube-openapi judges them by
  // different rules (core/go/apimachinery-json.ts); the generators rarely meet the bounds where that shows.
  it('a whole number a default fills is judged as Go judges an int64; the same number given, as a float64', async () => {
    const properties: JSONObject[] = [
      { type: 'integer', default: 5, multipleOf: 2.5 }, // 5 % int64(2.5): denied; 5 / 2.5 given: allowed
      { type: 'integer', default: 5, multipleOf: 0.5 }, // int64(0.5) = 0 is no factor
      { type: 'number', default: 5, minimum: 5.5 }, // 5 >= int64(5.5): allowed; given: denied
      { type: 'number', default: -5, maximum: -5.5 },
      { type: 'number', default: 5, maximum: 4.5 },
      { type: 'number', default: 2 ** 53, multipleOf: 3 }, // exact in int64; within float64's tolerance
      { type: 'number', default: 2 ** 53, anyOf: [{ multipleOf: 3 }] },
      { type: 'number', default: 5, maximum: 1e19 }, // int64(1e19) is MinInt64 on amd64: denied
      { type: 'number', default: 1e300, multipleOf: 3 }, // beyond int64: a float64 either way
      {
        type: 'object',
        default: { a: [4, 6] },
        properties: { a: { type: 'array', items: { multipleOf: 2.5 } } },
      },
    ];
    for (const property of properties) {
      const schema = { type: 'object', properties: { p: property } };
      const form = { openapi: schema };
      const compiled = compileOurs(form);
      for (const value of [{}, { p: property.default } as JSONObject]) {
        const differences = verdictDifferences(
          judgeOurs(form, compiled, value),
          await reference.judge({ schema, value }),
          value,
        );
        expect(differences, `${JSON.stringify(property)} with ${JSON.stringify(value)}`).to.deep.equal([]);
      }
    }
  });

  for (const seed of seedsOf(OPENAPI_SEEDS)) {
    it(`openAPIV3Schema Workflows agree (seed ${seed}, ${OPENAPI_SAMPLES_PER_SEED} schemas)`, async () => {
      await checkSeed(openapiSamples, seed, OPENAPI_SAMPLES_PER_SEED);
    });
  }
  for (const seed of seedsOf(SHORTHAND_SEEDS)) {
    it(`shorthand Workflows agree after conversion (seed ${seed}, ${SHORTHAND_SAMPLES_PER_SEED} schemas)`, async () => {
      await checkSeed(shorthandSamples, seed, SHORTHAND_SAMPLES_PER_SEED);
    });
  }
});
