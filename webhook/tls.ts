// Serving certificate from files, reloaded without a restart when they change (cert-manager and kubelet rotate
// Secret-mounted files by swapping a symlink, so the directory is watched, with a periodic poll as a safety net).
// A new pair that does not load keeps the old one in service and says why.
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';

export const MIN_TLS_VERSION = 'TLSv1.2';

export interface ServingCertificate {
  cert: Buffer;
  key: Buffer;
  notAfter: Date;
  fingerprint: string;
}

/** Reads and checks a certificate/key pair; throws with a one-line reason when it cannot serve. */
export function loadCertificate(certFile: string, keyFile: string): ServingCertificate {
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`${certFile} is not a PEM certificate: ${(error as Error).message}`, { cause: error });
  }
  try {
    // Fails on an unreadable key and on a key that does not belong to the certificate.
    createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
  } catch (error) {
    throw new Error(`${keyFile} does not load with ${certFile}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    cert,
    key,
    notAfter: new Date(parsed.validTo),
    fingerprint: createHash('sha256').update(cert).update(key).digest('hex'),
  };
}

export function secureContextOptions(certificate: ServingCertificate): SecureContextOptions {
  return { cert: certificate.cert, key: certificate.key, minVersion: MIN_TLS_VERSION };
}

export interface CertificateReloaderOptions {
  certFile: string;
  keyFile: string;
  log: Logger;
  /** Called with each new pair that loads; the server swaps its secure context here. */
  onChange: (certificate: ServingCertificate) => void;
  pollIntervalMs?: number;
}

export class CertificateReloader {
  #current: ServingCertificate;
  #lastError: string | undefined;
  readonly #watchers: FSWatcher[] = [];
  readonly #poll: NodeJS.Timeout;
  #debounce: NodeJS.Timeout | undefined;

  /** Loads the pair once (throwing when it cannot serve) and starts watching for changes. */
  constructor(private readonly options: CertificateReloaderOptions) {
    this.#current = loadCertificate(options.certFile, options.keyFile);
    this.#logLoaded('serving certificate loaded');
    for (const directory of new Set([dirname(options.certFile), dirname(options.keyFile)])) {
      try {
        const watcher = watch(directory, () => this.#scheduleReload());
        watcher.on('error', () => undefined);
        this.#watchers.push(watcher);
      } catch (error) {
        options.log.warn(
          { directory, err: (error as Error).message },
          'cannot watch certificate directory; polling',
        );
      }
    }
    this.#poll = setInterval(() => this.reload(), options.pollIntervalMs ?? 10_000);
    this.#poll.unref();
  }

  get current(): ServingCertificate {
    return this.#current;
  }

  #scheduleReload(): void {
    // A rotation writes two files, often in several steps: wait for it to settle.
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.reload(), 100);
    this.#debounce.unref();
  }

  /** Loads the files again; a pair that changed and loads replaces the current one. */
  reload(): void {
    let next: ServingCertificate;
    try {
      next = loadCertificate(this.options.certFile, this.options.keyFile);
    } catch (error) {
      const reason = (error as Error).message;
      // The poll would repeat the same complaint every interval; say it once per distinct problem.
      if (reason !== this.#lastError) {
        this.options.log.error(
          { err: reason },
          'new serving certificate rejected; still serving the previous one',
        );
      }
      this.#lastError = reason;
      return;
    }
    this.#lastError = undefined;
    if (next.fingerprint === this.#current.fingerprint) return;
    try {
      this.options.onChange(next);
    } catch (error) {
      this.options.log.error(
        { err: (error as Error).message },
        'new serving certificate rejected; still serving the previous one',
      );
      return;
    }
    this.#current = next;
    this.#logLoaded('serving certificate reloaded');
  }

  #logLoaded(message: string): void {
    const { notAfter, fingerprint } = this.#current;
    const level = notAfter.getTime() < Date.now() ? 'warn' : 'info';
    this.options.log[level](
      { notAfter: notAfter.toISOString(), fingerprint: fingerprint.slice(0, 16) },
      message,
    );
  }

  close(): void {
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    for (const watcher of this.#watchers) watcher.close();
  }
}
