import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VouchError, describeCause } from '../errors.js';

export interface CertificatePair {
  readonly certPem: string;
  readonly keyPem: string;
}

const OPENSSL_TIMEOUT_MS = 30_000;

/**
 * A self-signed P-256 server certificate for `--self-signed`, minted by the `openssl` CLI: node:crypto
 * can sign but cannot build X.509, and an openssl-made certificate is one every TLS client parses.
 * The key never leaves the process after the temp dir is removed.
 * @throws TOOL_MISSING when openssl is not installed, IO_ERROR when it fails
 */
export async function generateSelfSignedCertificate(
  hosts: readonly string[] = ['localhost', '127.0.0.1'],
  days = 365,
  opensslCommand = 'openssl',
): Promise<CertificatePair> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-cert-'));
  try {
    const key = join(dir, 'tls.key');
    const cert = join(dir, 'tls.crt');
    const san = hosts.map((h) => (/^[0-9.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    await run(opensslCommand, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      String(days),
      '-subj',
      `/CN=${hosts[0] ?? 'localhost'}`,
      '-addext',
      `subjectAltName=${san}`,
      '-addext',
      'extendedKeyUsage=serverAuth',
    ]);
    return { certPem: await readFile(cert, 'utf8'), keyPem: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: OPENSSL_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (err === null) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(
          new VouchError('TOOL_MISSING', '--self-signed needs the openssl command, which is not installed', {
            hint: 'apt-get install openssl, or pass --tls-cert and --tls-key',
          }),
        );
      }
      reject(
        new VouchError('IO_ERROR', `openssl failed: ${String(stderr).trim() || describeCause(err)}`, {
          cause: err,
        }),
      );
    });
  });
}
