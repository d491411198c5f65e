// Certificates for the control plane, made with the openssl command: one CA that signs the apiserver's serving
// cert, the admin client cert and any webhook serving cert, plus the service-account signing key pair.
// EC P-256 keys: generated instantly, unlike RSA, and accepted by every component involved.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface CertificateAuthority {
  certPath: string;
  keyPath: string;
  // PEM of the CA certificate: what a webhook configuration's caBundle holds (base64-encoded).
  certPem: string;
}

export interface KeyPair {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

export interface ControlPlanePki {
  ca: CertificateAuthority;
  apiserver: KeyPair;
  admin: KeyPair;
  serviceAccount: { publicKeyPath: string; privateKeyPath: string };
}

const VALIDITY_DAYS = '30';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${stderr?.trim() || message}`, { cause: error });
  }
}

export async function createCertificateAuthority(
  dir: string,
  commonName: string,
): Promise<CertificateAuthority> {
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  await openssl([
    'req', '-x509', ...EC_KEY, '-keyout', keyPath, '-out', certPath, '-days', VALIDITY_DAYS,
    '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  return { certPath, keyPath, certPem: await readFile(certPath, 'utf8') };
}

// A leaf certificate signed by `ca`. `hosts` become subjectAltNames (IP or DNS by their form); a serving cert
// needs them, since Go clients (kube-apiserver calling a webhook) ignore the common name.
export async function issueCertificate(
  ca: CertificateAuthority,
  options: {
    dir: string;
    name: string;
    subject: string;
    usage: 'serverAuth' | 'clientAuth';
    hosts?: string[];
  },
): Promise<KeyPair> {
  const certPath = join(options.dir, `${options.name}.crt`);
  const keyPath = join(options.dir, `${options.name}.key`);
  const extensions = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${options.usage}`,
  ];
  const hosts = options.hosts ?? [];
  if (hosts.length > 0) {
    extensions.push(`subjectAltName=${hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`);
  }
  await openssl([
    'req', '-x509', ...EC_KEY, '-keyout', keyPath, '-out', certPath, '-days', VALIDITY_DAYS,
    '-subj', options.subject, '-CA', ca.certPath, '-CAkey', ca.keyPath,
    '-set_serial', `0x${randomBytes(16).toString('hex')}`,
    ...extensions.flatMap((extension) => ['-addext', extension]),
  ]); // prettier-ignore
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { certPath, keyPath, certPem, keyPem };
}

// `servingHosts` are names and addresses the apiserver's certificate holds besides localhost and 127.0.0.1.
export async function createControlPlanePki(
  dir: string,
  servingHosts: string[] = [],
): Promise<ControlPlanePki> {
  const ca = await createCertificateAuthority(dir, 'openchoreo-workflowrun-test-ca');
  const privateKeyPath = join(dir, 'service-account.key');
  const publicKeyPath = join(dir, 'service-account.pub');
  const [apiserver, admin] = await Promise.all([
    issueCertificate(ca, {
      dir,
      name: 'apiserver',
      subject: '/CN=kube-apiserver',
      usage: 'serverAuth',
      hosts: ['localhost', '127.0.0.1', ...servingHosts],
    }),
    issueCertificate(ca, { dir, name: 'admin', subject: '/O=system:masters/CN=admin', usage: 'clientAuth' }),
    (async () => {
      await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', privateKeyPath]);
      await openssl(['ec', '-in', privateKeyPath, '-pubout', '-out', publicKeyPath]);
    })(),
  ]);
  return { ca, apiserver, admin, serviceAccount: { publicKeyPath, privateKeyPath } };
}
