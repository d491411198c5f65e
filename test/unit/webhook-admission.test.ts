// The AdmissionReview envelope: outcome-named constructors, the one place that echoes uid and apiVersion, and
// decoding of what arrives.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  admissionContext,
  allowed,
  decodeReview,
  denied,
  errored,
  patched,
  reviewResponse,
  reviewResponseJSON,
  reviewTimeoutMs,
  withWarnings,
  DEFAULT_REVIEW_TIMEOUT_MS,
} from '../../webhook/admission.ts';

describe('webhook AdmissionReview envelope', () => {
  it('builds responses named by outcome', () => {
    expect(allowed()).to.deep.equal({ outcome: 'allowed', allowed: true });
    expect(denied('no')).to.deep.equal({
      outcome: 'denied',
      allowed: false,
      status: { code: 403, message: 'no' },
    });
    expect(denied('no', { code: 422, reason: 'Invalid' })).to.deep.equal({
      outcome: 'denied',
      allowed: false,
      status: { code: 422, message: 'no', reason: 'Invalid' },
    });
    expect(errored(400, 'bad')).to.deep.equal({
      outcome: 'errored',
      allowed: false,
      status: { code: 400, message: 'bad' },
    });
    expect(patched([{ op: 'remove', path: '/a' }]).outcome).to.equal('patched');
  });

  it("reads the review's time limit from the API server's timeout query, as a Go duration", () => {
    expect(reviewTimeoutMs('timeout=5s')).to.equal(5000);
    expect(reviewTimeoutMs('timeout=1m0s')).to.equal(30_000);
    expect(reviewTimeoutMs('timeout=2.5s')).to.equal(2500);
    expect(reviewTimeoutMs('timeout=750ms&x=1')).to.equal(750);
    for (const query of ['', 'timeout=', 'timeout=5', 'timeout=-1s', 'timeout=0s', 'timeout=5 s'])
      expect(reviewTimeoutMs(query), query).to.equal(DEFAULT_REVIEW_TIMEOUT_MS);
  });

  it('aborts its signal shortly before the deadline, leaving the answer time to arrive', async () => {
    const context = admissionContext(200);
    expect(context.deadline).to.be.closeTo(Date.now() + 200, 20);
    expect(context.signal.aborted).to.equal(false);
    await new Promise((resolve) => setTimeout(resolve, 190));
    expect(context.signal.aborted).to.equal(true);
  });

  it('encodes a JSON Patch in base64 and treats an empty one as plainly allowed', () => {
    const response = patched([{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }]);
    expect(response.patchType).to.equal('JSONPatch');
    expect(JSON.parse(Buffer.from(response.patch!, 'base64').toString())).to.deep.equal([
      { op: 'add', path: '/metadata/annotations', value: { a: 'b' } },
    ]);
    expect(patched([])).to.deep.equal({ outcome: 'allowed', allowed: true });
  });

  it('adds warnings kubectl can print, shortened to 120 characters, without touching the original', () => {
    const base = allowed();
    const response = withWarnings(base, ['short', 'x'.repeat(200)]);
    expect(response.warnings![0]).to.equal('short');
    expect(response.warnings![1]).to.have.length(120);
    expect(base).to.deep.equal({ outcome: 'allowed', allowed: true });
    expect(withWarnings(base, [])).to.equal(base);
  });

  it('echoes the uid and the apiVersion asked for', () => {
    expect(reviewResponse('admission.k8s.io/v1beta1', 'u-1', denied('no'))).to.deep.equal({
      apiVersion: 'admission.k8s.io/v1beta1',
      kind: 'AdmissionReview',
      response: { uid: 'u-1', allowed: false, status: { code: 403, message: 'no' } },
    });
  });

  it('decodes v1 and v1beta1 reviews and explains what is wrong with anything else', () => {
    const request = { uid: 'u', operation: 'CREATE' };
    expect(
      decodeReview({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }),
    ).to.deep.equal({
      ok: true,
      apiVersion: 'admission.k8s.io/v1',
      request,
    });
    expect(
      decodeReview({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request }).ok,
    ).to.equal(true);
    const failures: [unknown, string][] = [
      [null, 'not a JSON object'],
      [[1], 'not a JSON object'],
      ['x', 'not a JSON object'],
      [{ apiVersion: 'admission.k8s.io/v1', kind: 'Pod', request }, 'not an AdmissionReview'],
      [
        { apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview', request },
        'unsupported AdmissionReview apiVersion',
      ],
      [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'has no request'],
      [
        { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } },
        'no uid',
      ],
      [
        {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: { uid: 'u', operation: 'PATCH' },
        },
        'no valid operation',
      ],
    ];
    for (const [body, message] of failures) {
      const decoded = decodeReview(body);
      expect(decoded.ok, JSON.stringify(body)).to.equal(false);
      expect(decoded.ok === false && decoded.message).to.contain(message);
    }
  });

  it('writes the review response JSON exactly as JSON.stringify of reviewResponse would, for any answer', () => {
    const text = fc.string({ unit: 'binary' });
    const answer = fc.oneof(
      fc.constant(allowed()),
      fc
        .tuple(text, fc.option(fc.integer({ min: 400, max: 599 }), { nil: undefined }), text)
        .map(([message, code, name]) =>
          denied(message, {
            ...(code === undefined ? {} : { code }),
            details: {
              name,
              kind: 'WorkflowRun',
              causes: [{ field: name, message, reason: 'FieldValueInvalid' }],
            },
          }),
        ),
      fc.tuple(text, fc.jsonValue()).map(([path, value]) => patched([{ op: 'add', path, value }])),
      fc
        .tuple(fc.array(text, { minLength: 1 }), fc.boolean())
        .map(([warnings, isPatched]) =>
          withWarnings(isPatched ? patched([{ op: 'add', path: '/a', value: 1 }]) : allowed(), warnings),
        ),
      fc.tuple(fc.integer({ min: 400, max: 599 }), text).map(([code, message]) => errored(code, message)),
    );
    const apiVersion = fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1') as fc.Arbitrary<
      'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1'
    >;
    fc.assert(
      fc.property(apiVersion, text, answer, (version, uid, response) => {
        expect(reviewResponseJSON(version, uid, response)).to.equal(
          JSON.stringify(reviewResponse(version, uid, response)),
        );
      }),
      { numRuns: 500 },
    );
  });
});
