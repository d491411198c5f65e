// The AdmissionReview wire format and the outcome-named constructors handlers answer with, in the manner of
// controller-runtime's admission package: a handler returns an AdmissionResponse without a uid, and
// `reviewResponse` is the one place that echoes the request's uid and apiVersion.
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

/** A handler's answer; `uid` is filled in by `reviewResponse`. */
export interface AdmissionResponse {
  allowed: boolean;
  status?: AdmissionStatus;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

export interface JSONPatchOperation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

const ALLOWED: AdmissionResponse = Object.freeze({ allowed: true });

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
  return { allowed: false, status };
}

/** The webhook could not decide: a request it cannot decode (400) or a failure of its own (500). */
export function errored(code: number, message: string): AdmissionResponse {
  return { allowed: false, status: { code, message } };
}

/** Allowed with a JSON Patch; no operations means plainly allowed, so a second pass over its result is a no-op. */
export function patched(operations: readonly JSONPatchOperation[]): AdmissionResponse {
  if (operations.length === 0) return ALLOWED;
  return {
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
  response: AdmissionResponse & { uid: string };
}

export function reviewResponse(
  apiVersion: AdmissionAPIVersion,
  uid: string,
  response: AdmissionResponse,
): AdmissionReviewResponse {
  return { apiVersion, kind: 'AdmissionReview', response: { uid, ...response } };
}

/**
 * `JSON.stringify(reviewResponse(apiVersion, uid, response))`, written out field by field: the apiVersion, the
 * patch type and the base64 patch never need escaping, so only the uid, a status and warnings go through
 * JSON.stringify. A generic stringify of a patched review spent half its time scanning the patch for characters to
 * escape. Every field of AdmissionResponse must appear here (the unit tests compare the two on generated answers).
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
