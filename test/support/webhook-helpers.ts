// Shared by the webhook's tests: self-signed serving certificates made with the openssl CLI, HTTPS requests on
// loopback, and AdmissionReview builders.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdmissionRequest } from '../../webhook/admission.ts';

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  cert: string;
}

/** A self-signed certificate for 127.0.0.1, written as cert.pem/key.pem into `directory` (replacing any). */
export function writeSelfSignedCertificate(
  directory: string,
  commonName = 'workflowrun-webhook-test',
): CertificateFiles {
  const certFile = join(directory, 'tls.crt');
  const keyFile = join(directory, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8') };
}

export function temporaryDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'workflowrun-webhook-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface HTTPSResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request to 127.0.0.1 without connection reuse. */
export function httpsCall(
  port: number,
  options: RequestOptions & { body?: string | Buffer; ca?: string },
): Promise<HTTPSResponse> {
  const { body, ...rest } = options;
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: '127.0.0.1', port, agent: false, ...rest }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

export function admissionReview(
  request: Partial<AdmissionRequest>,
  apiVersion = 'admission.k8s.io/v1',
): string {
  return JSON.stringify({
    apiVersion,
    kind: 'AdmissionReview',
    request: { uid: 'uid-1', operation: 'CREATE', ...request },
  });
}
