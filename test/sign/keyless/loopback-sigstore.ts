// A loopback Fulcio + Rekor for keyless-signing tests: real HTTP on 127.0.0.1 (port 0), speaking the
// minimal protocol sigstore-js uses. Fulcio: POST /api/v2/signingCert (check the proof of possession:
// the token subject signed with the requested key; issue a certificate for that key with openssl, SAN =
// token email or sub, issuer extension 1.3.6.1.4.1.57264.1.8 = token iss). Rekor: POST
// /api/v1/log/entries (hashedrekord 0.0.1 and dsse 0.0.1 bodies as Rekor canonicalizes them, logged in a
// TestLog that returns SET, inclusion proof and checkpoint). The JWT signature is not checked: the
// server accepts exactly the tokens the test hands it, and answers 401 to any other.
import { execFile } from 'node:child_process';
import { createHash, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson, TestLog, trustedRootJson } from './test-log.js';

const run = promisify(execFile);
const BODY_MAX = 256 * 1024;

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new Error('openssl is missing: apt-get install -y openssl');
    throw new Error(`openssl ${args[0]} failed: ${err.stderr ?? err.message}`);
  }
}

/** A JWT-shaped token (alg none) with the claims Fulcio reads; the loopback server trusts it by value. */
export function testIdentityToken(claims: { iss: string; sub: string; email?: string }): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: 'sigstore', ...(claims.email ? { email_verified: true } : {}), ...claims })}.`;
}

export interface LoopbackSigstore {
  url: string;
  trustedRoot: Buffer;
  /** Tokens the server accepts. */
  tokens: Set<string>;
  /** Paths requested, in order, to show which service a test reached. */
  requests: string[];
}

export async function startLoopbackSigstore(t: {
  after: (fn: () => void | Promise<void>) => void;
}): Promise<LoopbackSigstore> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-loopback-sigstore-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'root.key'],
    dir,
  );
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'root.key',
      '-subj',
      '/O=vouch test/CN=vouch loopback fulcio',
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:true',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'root.pem',
    ],
    dir,
  );
  const rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
  const log = new TestLog();
  const state: LoopbackSigstore = {
    url: '',
    trustedRoot: trustedRootJson([log], { caChain: [new X509Certificate(rootPem)] }),
    tokens: new Set(),
    requests: [],
  };
  let serial = 0;

  async function signingCert(req: Record<string, unknown>): Promise<[number, unknown]> {
    const token = (req.credentials as { oidcIdentityToken?: unknown } | undefined)?.oidcIdentityToken;
    if (typeof token !== 'string' || !state.tokens.has(token))
      return [401, { message: 'unknown identity token' }];
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      iss: string;
      sub: string;
      email?: string;
    };
    const pkr = req.publicKeyRequest as
      | { publicKey?: { content?: string }; proofOfPossession?: string }
      | undefined;
    const keyPem = pkr?.publicKey?.content ?? '';
    const subject = claims.email ?? claims.sub;
    const pop = Buffer.from(pkr?.proofOfPossession ?? '', 'base64');
    if (!cryptoVerify('sha256', Buffer.from(subject), keyPem, pop)) {
      return [400, { message: 'proof of possession does not verify' }];
    }
    const n = serial++;
    writeFileSync(join(dir, `pub-${n}.pem`), keyPem);
    const san = claims.email ? `email:${claims.email}` : `URI:${claims.sub}`;
    writeFileSync(
      join(dir, `ext-${n}.cnf`),
      [
        '[v3]',
        'basicConstraints=critical,CA:false',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=codeSigning',
        `subjectAltName=critical,${san}`,
        `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${claims.iss}`,
        '',
      ].join('\n'),
    );
    await openssl(
      [
        'x509',
        '-new',
        '-subj',
        '/O=vouch test',
        '-force_pubkey',
        `pub-${n}.pem`,
        '-CA',
        'root.pem',
        '-CAkey',
        'root.key',
        '-days',
        '1',
        '-extfile',
        `ext-${n}.cnf`,
        '-extensions',
        'v3',
        '-out',
        `leaf-${n}.pem`,
      ],
      dir,
    );
    const leafPem = readFileSync(join(dir, `leaf-${n}.pem`), 'utf8');
    return [201, { signedCertificateEmbeddedSct: { chain: { certificates: [leafPem, rootPem] } } }];
  }

  function logEntry(proposed: Record<string, unknown>): [number, unknown] {
    let body: unknown;
    if (proposed.kind === 'hashedrekord') {
      body = proposed;
    } else if (proposed.kind === 'dsse') {
      // Rekor stores hashes of the envelope and payload plus the signature and its verifier.
      const pc = (proposed.spec as { proposedContent?: { envelope?: string; verifiers?: string[] } })
        .proposedContent;
      const env = JSON.parse(pc?.envelope ?? '{}') as { payload?: string; signatures?: { sig: string }[] };
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      body = {
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: sha(Buffer.from(pc?.envelope ?? '')) },
          payloadHash: { algorithm: 'sha256', value: sha(Buffer.from(env.payload ?? '', 'base64')) },
          signatures: [{ signature: env.signatures?.[0]?.sig ?? '', verifier: pc?.verifiers?.[0] ?? '' }],
        },
      };
    } else {
      return [400, { message: `unsupported kind ${String(proposed.kind)}` }];
    }
    const bytes = Buffer.from(canonicalJson(body));
    const e = log.append(bytes, Math.floor(Date.now() / 1000));
    const uuid = createHash('sha256').update(bytes).digest('hex');
    return [
      201,
      {
        [uuid]: {
          body: bytes.toString('base64'),
          integratedTime: e.integratedTime,
          logID: log.logId.toString('hex'),
          logIndex: e.logIndex,
          verification: {
            signedEntryTimestamp: e.set.toString('base64'),
            inclusionProof: {
              checkpoint: e.checkpoint,
              hashes: e.hashes.map((h) => h.toString('hex')),
              logIndex: e.logIndex,
              rootHash: e.rootHash.toString('hex'),
              treeSize: e.treeSize,
            },
          },
        },
      },
    ];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    state.requests.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > BODY_MAX) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(c as Buffer);
    }
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"not JSON"}');
      return;
    }
    let status: number;
    let out: unknown;
    if (req.method === 'POST' && req.url === '/api/v2/signingCert') [status, out] = await signingCert(doc);
    else if (req.method === 'POST' && req.url === '/api/v1/log/entries') [status, out] = logEntry(doc);
    else [status, out] = [404, { message: 'not found' }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(e) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        // sigstore-js keeps connections alive; close them so the server (and the test) can end.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
