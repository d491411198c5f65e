// The AdmissionReview wire format, the context a review is decided in, and the outcome-named constructors handlers
// answer with, in the manner of controller-runtime's admission package: a handler returns an AdmissionResponse that
// states its outcome and carries no uid, and `reviewResponse` is the one place that echoes the request's uid and
// apiVersion.
import { isPlainObject, type JSONValue } from '../core/index.ts';

export const ADMISSION_V1 = 'admission.k8s.io/v1';
export const ADMISSION_V1BETA1 = 'admission.k8s.io/v1beta1';
export type AdmissionAPIVersion = typeof ADMISSION_V1 | typeof ADMISSION_V1BETA1;

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionKind {
  group?: string;
  version?: string;
  kind?: string;
}

export interface AdmissionRequest {
  uid: string;
  kind?: GroupVersionKind;
  resource?: { group?: string; version?: string; resource?: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  object?: JSONValue;
  oldObject?: JSONValue;
  dryRun?: boolean;
}

export interface StatusCause {
  field: string;
  message: string;
  reason: string;
}

export interface AdmissionStatus {
  code: number;
  message: string;
  reason?: string;
  details?: { name?: string; kind?: string; causes?: StatusCause[] };
}

/**
 * What became of a review: `denied` is a decision on the object, `errored` the webhook's own failure to decide
 * (a request it cannot decode, a lookup that failed), which logs and alerts must not count as a decision.
 */
export type Outcome = 'allowed' | 'patched' | 'denied' | 'errored';

/** A handler's answer. `outcome` stays in the webhook; `uid` is filled in by `reviewResponse`. */
export interface AdmissionResponse {
  outcome: Outcome;
  allowed: boolean;
  status?: AdmissionStatus;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

/** What a handler knows of the review beyond the request: how long the API server waits for the answer. */
export interface AdmissionContext {
  /** `Date.now()` at which the API server stops waiting. */
  readonly deadline: number;
  /**
   * Aborted shortly before the deadline, so that a lookup which cannot finish in time gives up while an answer
   * saying why can still reach the API server.
   */
  readonly signal: AbortSignal;
}

/** The API server's own default when a webhook configuration sets no `timeoutSeconds`, and its maximum. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 10_000;
const MAX_REVIEW_TIMEOUT_MS = 30_000;
// What the answer is given to travel back and be written: a tenth of the time, at most a second.
const ANSWER_MARGIN_FRACTION = 0.1;
const MAX_ANSWER_MARGIN_MS = 1000;

class ReviewContext implements AdmissionContext {
  #signal: AbortSignal | undefined;

  constructor(
    readonly deadline: number,
    private readonly timeoutMs: number,
  ) {}

  get signal(): AbortSignal {
    // Made on first use: a review answered from the informer cache never needs a timer.
    if (this.#signal === undefined) {
      const margin = Math.min(this.timeoutMs * ANSWER_MARGIN_FRACTION, MAX_ANSWER_MARGIN_MS);
      this.#signal = AbortSignal.timeout(Math.max(0, this.deadline - margin - Date.now()));
    }
    return this.#signal;
  }
}

/** The context of a review that arrived at `received` (`Date.now()`) and may take `timeoutMs`. */
export function admissionContext(
  timeoutMs = DEFAULT_REVIEW_TIMEOUT_MS,
  received = Date.now(),
): AdmissionContext {
  return new ReviewContext(received + timeoutMs, timeoutMs);
}

const GO_DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const GO_DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;

/**
 * The review's time limit from the `timeout` query parameter the API server appends to the webhook's URL (a Go
 * duration, `10s`, `1m0s`, `2.5s`); the API server's default when it is absent or unreadable, and never more than
 * the 30 s it allows.
 */
export function reviewTimeoutMs(query: string): number {
  const value = new URLSearchParams(query).get('timeout');
  if (value === null || !GO_DURATION.test(value)) return DEFAULT_REVIEW_TIMEOUT_MS;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(GO_DURATION_PART))
    total += Number(amount) * GO_DURATION_UNIT_MS[unit!]!;
  return total > 0 ? Math.min(total, MAX_REVIEW_TIMEOUT_MS) : DEFAULT_REVIEW_TIMEOUT_MS;
}

export interface JSONPatchOperation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

const ALLOWED: AdmissionResponse = Object.freeze({ outcome: 'allowed', allowed: true });

export function allowed(): AdmissionResponse {
  return ALLOWED;
}

export function denied(
  message: string,
  options: { code?: number; reason?: string; details?: AdmissionStatus['details'] } = {},
): AdmissionResponse {
  const status: AdmissionStatus = { code: options.code ?? 403, message };
  if (options.reason !== undefined) status.reason = options.reason;
  if (options.details !== undefined) status.details = options.details;
  return { outcome: 'denied', allowed: false, status };
}

/** The webhook could not decide: a request it cannot decode (400) or a failure of its own (500). */
export function errored(code: number, message: string): AdmissionResponse {
  return { outcome: 'errored', allowed: false, status: { code, message } };
}

/** Allowed with a JSON Patch; no operations means plainly allowed, so a second pass over its result is a no-op. */
export function patched(operations: readonly JSONPatchOperation[]): AdmissionResponse {
  if (operations.length === 0) return ALLOWED;
  return {
    outcome: 'patched',
    allowed: true,
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(operations)).toString('base64'),
  };
}

// kubectl prints each warning on its own `Warning:` line; the API server truncates long ones, so keep them short.
const MAX_WARNING_LENGTH = 120;

export function withWarnings(response: AdmissionResponse, warnings: readonly string[]): AdmissionResponse {
  if (warnings.length === 0) return response;
  return {
    ...response,
    warnings: warnings.map((warning) =>
      warning.length > MAX_WARNING_LENGTH ? `${warning.slice(0, MAX_WARNING_LENGTH - 3)}...` : warning,
    ),
  };
}

export interface AdmissionReviewResponse {
  apiVersion: AdmissionAPIVersion;
  kind: 'AdmissionReview';
  response: Omit<AdmissionResponse, 'outcome'> & { uid: string };
}

export function reviewResponse(
  apiVersion: AdmissionAPIVersion,
  uid: string,
  response: AdmissionResponse,
): AdmissionReviewResponse {
  // Field by field, leaving out `outcome`: the API server has no field for it (`allowed` and the code say it).
  const wire: AdmissionReviewResponse['response'] = { uid, allowed: response.allowed };
  if (response.status !== undefined) wire.status = response.status;
  if (response.patchType !== undefined) wire.patchType = response.patchType;
  if (response.patch !== undefined) wire.patch = response.patch;
  if (response.warnings !== undefined) wire.warnings = response.warnings;
  return { apiVersion, kind: 'AdmissionReview', response: wire };
}

/**
 * `JSON.stringify(reviewResponse(apiVersion, uid, response))`, written out field by field: the apiVersion, the
 * patch type and the base64 patch never need escaping, so only the uid, a status and warnings go through
 * JSON.stringify. A generic stringify of a patched review spent half its time scanning the patch for characters to
 * escape. Every field of AdmissionResponse but `outcome` must appear here (the unit tests compare the two on generated answers).
 */
export function reviewResponseJSON(
  apiVersion: AdmissionAPIVersion,
  uid: string,
  response: AdmissionResponse,
): string {
  let json = `{"apiVersion":"${apiVersion}","kind":"AdmissionReview","response":{"uid":${JSON.stringify(uid)},"allowed":${response.allowed}`;
  if (response.status !== undefined) json += `,"status":${JSON.stringify(response.status)}`;
  if (response.patchType !== undefined) json += `,"patchType":"${response.patchType}"`;
  if (response.patch !== undefined) json += `,"patch":"${response.patch}"`;
  if (response.warnings !== undefined) json += `,"warnings":${JSON.stringify(response.warnings)}`;
  return `${json}}}`;
}

/** The object's name for messages and logs: its own, the request's, else its `generateName` (CREATE). */
export function objectName(request: AdmissionRequest): string {
  const metadata = isPlainObject(request.object) ? request.object.metadata : undefined;
  const own = isPlainObject(metadata) ? metadata.name : undefined;
  if (typeof own === 'string' && own !== '') return own;
  if (request.name) return request.name;
  const generateName = isPlainObject(metadata) ? metadata.generateName : undefined;
  return typeof generateName === 'string' ? generateName : '';
}

export type DecodedReview =
  { ok: true; apiVersion: AdmissionAPIVersion; request: AdmissionRequest } | { ok: false; message: string };

const OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

/**
 * Checks that a parsed body is an AdmissionReview with a request we can answer. Only the envelope is checked here;
 * the objects inside are judged by the handlers, which answer an undecodable object with an AdmissionResponse.
 */
export function decodeReview(body: unknown): DecodedReview {
  if (!isPlainObject(body)) return { ok: false, message: 'request body is not a JSON object' };
  const { apiVersion, kind, request } = body;
  if (kind !== 'AdmissionReview') return { ok: false, message: 'request body is not an AdmissionReview' };
  if (apiVersion !== ADMISSION_V1 && apiVersion !== ADMISSION_V1BETA1) {
    return {
      ok: false,
      message: `unsupported AdmissionReview apiVersion ${JSON.stringify(apiVersion)}; expected ${ADMISSION_V1} or ${ADMISSION_V1BETA1}`,
    };
  }
  if (!isPlainObject(request)) return { ok: false, message: 'AdmissionReview has no request' };
  if (typeof request.uid !== 'string' || request.uid === '') {
    return { ok: false, message: 'AdmissionReview request has no uid' };
  }
  if (typeof request.operation !== 'string' || !OPERATIONS.has(request.operation)) {
    return { ok: false, message: 'AdmissionReview request has no valid operation' };
  }
  return { ok: true, apiVersion, request: request as unknown as AdmissionRequest };
}
