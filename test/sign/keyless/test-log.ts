// A Rekor-shaped transparency log for tests, written from the specifications: RFC 6962 §2.1 Merkle tree
// hashing and audit paths, Rekor's SignedEntryTimestamp (ECDSA over the canonical JSON of body,
// integratedTime, logID, logIndex), and a checkpoint in the transparency-dev signed-note format
// ("<origin>\n<size>\n<base64 root>\n" + "\n— <name> base64(keyHint[4] || signature)\n").
// It also writes the trusted_root.json naming the log and the test CA, and builds Sigstore bundles
// (v0.1 / v0.3, message signature) and cosign legacy Rekor bundle annotations for entries it logged.
import { createHash, generateKeyPairSync, type KeyObject, sign, type X509Certificate } from 'node:crypto';
import { caCert, fixture } from '../test-material.js';

export const LOG_URL = 'https://rekor.vouch.test';
export const LOG_NAME = 'rekor.vouch.test';
export const FULCIO_URL = 'https://fulcio.vouch.test';

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafHash = (leaf: Buffer): Buffer => sha256(Buffer.from([0]), leaf);
const nodeHash = (l: Buffer, r: Buffer): Buffer => sha256(Buffer.from([1]), l, r);

/** Largest power of two strictly less than n (RFC 6962 §2.1 "k"). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 §2.1 MTH over leaf hashes. */
function treeHash(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0] ?? Buffer.alloc(0);
  const k = split(leaves.length);
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]), bottom-most hash first. */
function auditPath(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...auditPath(m, leaves.slice(0, k)), treeHash(leaves.slice(k))]
    : [...auditPath(m - k, leaves.slice(k)), treeHash(leaves.slice(0, k))];
}

export interface LoggedEntry {
  body: Buffer;
  logIndex: number;
  integratedTime: number;
  set: Buffer;
  treeSize: number;
  rootHash: Buffer;
  hashes: Buffer[];
  checkpoint: string;
}

export class TestLog {
  readonly privateKey: KeyObject;
  readonly spki: Buffer;
  readonly logId: Buffer;
  private readonly leaves: Buffer[] = [];

  constructor(key = generateKeyPairSync('ec', { namedCurve: 'P-256' })) {
    this.privateKey = key.privateKey;
    this.spki = key.publicKey.export({ format: 'der', type: 'spki' });
    this.logId = sha256(this.spki);
    // Unrelated entries before ours, so proofs have inner and border hashes (7 leaves + ours = 8+).
    for (let i = 0; i < 6; i++) this.leaves.push(leafHash(Buffer.from(`filler entry ${i}`)));
  }

  /** Appends `body` at `integratedTime` (seconds) and returns SET, proof and checkpoint for it. */
  append(body: Buffer, integratedTime: number): LoggedEntry {
    const logIndex = this.leaves.length;
    this.leaves.push(leafHash(body));
    // One more entry after ours, so the tree is not a perfect power of two.
    this.leaves.push(leafHash(Buffer.from(`trailing entry ${logIndex}`)));
    const treeSize = this.leaves.length;
    const rootHash = treeHash(this.leaves);
    const logIdHex = this.logId.toString('hex');
    const setPayload = `{"body":${JSON.stringify(body.toString('base64'))},"integratedTime":${integratedTime},"logID":"${logIdHex}","logIndex":${logIndex}}`;
    const set = sign('sha256', Buffer.from(setPayload), this.privateKey);
    const note = `${LOG_NAME} - 1234567890\n${treeSize}\n${rootHash.toString('base64')}\n`;
    const noteSig = sign('sha256', Buffer.from(note), this.privateKey);
    const checkpoint = `${note}\n\u2014 ${LOG_NAME} ${Buffer.concat([this.logId.subarray(0, 4), noteSig]).toString('base64')}\n`;
    return {
      body,
      logIndex,
      integratedTime,
      set,
      treeSize,
      rootHash,
      hashes: auditPath(logIndex, this.leaves),
      checkpoint,
    };
  }
}

const b64 = (b: Buffer): string => b.toString('base64');

/** A trusted_root.json naming the test CA (test/fixtures/sign/test-ca) and the given logs. */
export function trustedRootJson(
  logs: readonly TestLog[],
  opts: { ctlogs?: readonly TestLog[]; caChain?: readonly X509Certificate[] } = {},
): Buffer {
  const tlog = (l: TestLog) => ({
    baseUrl: LOG_URL,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: b64(l.spki),
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: '2020-01-01T00:00:00Z' },
    },
    logId: { keyId: b64(l.logId) },
  });
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: logs.map(tlog),
      certificateAuthorities: [
        {
          subject: { organization: 'vouch test', commonName: 'vouch test root' },
          uri: FULCIO_URL,
          certChain: {
            certificates: (opts.caChain ?? [caCert('intermediate.pem'), caCert('root.pem')]).map((c) => ({
              rawBytes: b64(c.raw),
            })),
          },
          validFor: { start: '2020-01-01T00:00:00Z' },
        },
      ],
      ctlogs: (opts.ctlogs ?? []).map(tlog),
      timestampAuthorities: [],
    }),
  );
}

/** The signer identities the test CA issued (valid 2025-01-01T00:00:00Z for ten minutes). */
export type TestLeaf = 'leaf-github' | 'leaf-email' | 'evil-leaf';

export function leafCert(name: TestLeaf): X509Certificate {
  return caCert(`${name}.pem`);
}

export function leafKey(name: TestLeaf): string {
  return fixture('test-ca', `${name}-key.pem`).toString('utf8');
}

/** Seconds since the epoch: `2025-01-01T00:MM:00Z`, inside (MM < 10) or after the leaves' validity. */
export function minutesInto2025(mm: number): number {
  return Date.UTC(2025, 0, 1, 0, mm, 0) / 1000;
}

/** A hashedrekord v0.0.1 body, as Rekor canonicalizes it (keys sorted, no spaces). */
export function hashedRekordBody(artifactSha256: Buffer, signature: Buffer, certPem: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: artifactSha256.toString('hex') } },
        signature: { content: b64(signature), publicKey: { content: b64(Buffer.from(certPem)) } },
      },
    }),
  );
}

export interface SignedArtifact {
  artifact: Buffer;
  signature: Buffer;
  cert: X509Certificate;
  entry: LoggedEntry;
  log: TestLog;
}

/** Signs `artifact` as `signer` with `key` (default: the signer's own key) and logs it at `integratedTime`. */
export function signAndLog(
  log: TestLog,
  artifact: Buffer,
  opts: { signer?: TestLeaf; keyOf?: TestLeaf; integratedTime?: number } = {},
): SignedArtifact {
  const signer = opts.signer ?? 'leaf-github';
  const cert = leafCert(signer);
  const signature = sign('sha256', artifact, leafKey(opts.keyOf ?? signer));
  const body = hashedRekordBody(sha256(artifact), signature, cert.toString());
  const entry = log.append(body, opts.integratedTime ?? minutesInto2025(5));
  return { artifact, signature, cert, entry, log };
}

export interface BundleShape {
  version?: '0.1' | '0.3';
  withSet?: boolean;
  withProof?: boolean;
  withTlog?: boolean;
}

/** A Sigstore bundle (protobuf-JSON) for a message signature made by signAndLog. */
export function messageBundle(s: SignedArtifact, shape: BundleShape = {}): Record<string, unknown> {
  const { version = '0.3', withSet = true, withProof = true, withTlog = true } = shape;
  const e = s.entry;
  const tlogEntry = {
    logIndex: String(e.logIndex),
    logId: { keyId: b64(s.log.logId) },
    kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
    integratedTime: String(e.integratedTime),
    ...(withSet ? { inclusionPromise: { signedEntryTimestamp: b64(e.set) } } : {}),
    ...(withProof
      ? {
          inclusionProof: {
            logIndex: String(e.logIndex),
            rootHash: b64(e.rootHash),
            treeSize: String(e.treeSize),
            hashes: e.hashes.map(b64),
            checkpoint: { envelope: e.checkpoint },
          },
        }
      : {}),
    canonicalizedBody: b64(e.body),
  };
  const material =
    version === '0.3'
      ? { certificate: { rawBytes: b64(s.cert.raw) } }
      : { x509CertificateChain: { certificates: [{ rawBytes: b64(s.cert.raw) }] } };
  return {
    mediaType:
      version === '0.3'
        ? 'application/vnd.dev.sigstore.bundle.v0.3+json'
        : 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: { ...material, tlogEntries: withTlog ? [tlogEntry] : [] },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: b64(sha256(s.artifact)) },
      signature: b64(s.signature),
    },
  };
}

/** cosign's `dev.sigstore.cosign/bundle` annotation for an entry (Payload keys in cosign's order). */
export function cosignRekorBundle(s: SignedArtifact): string {
  const e = s.entry;
  return JSON.stringify({
    SignedEntryTimestamp: b64(e.set),
    Payload: {
      body: b64(e.body),
      integratedTime: e.integratedTime,
      logIndex: e.logIndex,
      logID: s.log.logId.toString('hex'),
    },
  });
}

export const toBytes = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc));

/** RFC 8785-style canonical JSON for the plain objects Rekor bodies are made of (sorted keys, no spaces). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
