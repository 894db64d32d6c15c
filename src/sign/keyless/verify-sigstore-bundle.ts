import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import type { Bundle, TransparencyLogEntry } from '@sigstore/bundle';
import { type SignedEntity, type TrustMaterial, toSignedEntity, Verifier } from '@sigstore/verify';
import {
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseStatement,
  type PublicKeyMaterial,
  type Statement,
} from '../../crypto/index.js';
import { VouchError } from '../../errors.js';
import { type Digest, digestAlgorithm, digestHex } from '../../digest.js';
import type { CertificateExtensions, SignerIdentity } from '../../policy/index.js';
import {
  type CertificateIdentity,
  hasIdentityConstraint,
  type IdentityConstraints,
  identityMismatches,
  readCertificateIdentity,
} from '../certificate-identity.js';
import { parseBundle } from '../sigstore-bundle.js';
import { verifyPrehashed } from './prehashed-signature.js';
import { fromSigstoreError } from './sigstore-errors.js';
import type { TrustedRootMaterial } from './trusted-root.js';

/** What was signed: the artifact's bytes, or only its sha256 digest (`verify-blob sha256:<hex>`). */
export type BundleArtifact = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'digest'; digest: Digest };

/** Who must have signed: a Fulcio identity (keyless), or one of the given public keys. */
export type BundleSignerPolicy =
  | { kind: 'certificate'; identity: IdentityConstraints }
  | { kind: 'key'; keys: readonly PublicKeyMaterial[] };

export interface BundleVerifyOptions {
  /** cosign `--insecure-ignore-tlog`: accept a bundle without a verified tlog entry. */
  insecureIgnoreTlog?: boolean;
  /** cosign `--insecure-ignore-sct`: accept a certificate without a verified SCT. */
  insecureIgnoreSct?: boolean;
}

/** A verified bundle: who signed, when (by which verified source), and the statement for DSSE bundles. */
export interface SigstoreBundleVerification {
  signer: SignerIdentity;
  /** The decoded certificate identity (certificate-signed bundles only). */
  identity?: CertificateIdentity;
  /** The tlog entry that verified (absent with insecureIgnoreTlog). */
  tlog?: { logIndex: number; integratedTime: string; url?: string };
  /** An RFC 3161 timestamp that verified against the root's timestamp authorities. */
  rfc3161Time?: string;
  /** The in-toto statement of a DSSE bundle, after its subject matched the artifact. */
  statement?: Statement;
}

/**
 * Verifies a Sigstore bundle (v0.1-v0.3; message signature or DSSE) against a trusted root, offline:
 * certificate chain to a Fulcio CA at the verified signing time, SCTs from the root's CT logs, tlog
 * entries (SET and/or inclusion proof + signed checkpoint, body matching the bundle), RFC 3161
 * timestamps, the signature over the artifact, then the identity policy. Pure: `now` is used only
 * when insecureIgnoreTlog leaves no verified time (cosign then checks the certificate at "now").
 * @throws INPUT_MALFORMED, INPUT_TOO_LARGE, CERTIFICATE_INVALID, TLOG_INVALID, SIGNATURE_INVALID, UNTRUSTED_SIGNER, DIGEST_MISMATCH, ATTESTATION_INVALID, USAGE, UNSUPPORTED
 */
export function verifySigstoreBundle(input: {
  bundle: Uint8Array;
  artifact: BundleArtifact;
  trustedRoot: TrustedRootMaterial;
  policy: BundleSignerPolicy;
  options?: BundleVerifyOptions;
  now: Date;
  what?: string;
}): SigstoreBundleVerification {
  const what = input.what ?? 'bundle';
  const opts = input.options ?? {};
  if (input.policy.kind === 'certificate' && !hasIdentityConstraint(input.policy.identity)) {
    throw new VouchError(
      'USAGE',
      'keyless verification needs --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]',
    );
  }
  const bundle = parseBundle(input.bundle, what);
  const digestArtifact = input.artifact.kind === 'digest' ? input.artifact.digest : undefined;
  if (digestArtifact !== undefined && digestAlgorithm(digestArtifact) !== 'sha256') {
    throw new VouchError('UNSUPPORTED', `${what}: artifact digest must be sha256, found ${digestArtifact}`);
  }
  const artifactSha256 =
    input.artifact.kind === 'bytes'
      ? createHash('sha256').update(input.artifact.bytes).digest()
      : Buffer.from(digestHex(input.artifact.digest), 'hex');

  let entity: SignedEntity;
  try {
    entity = toSignedEntity(
      bundle,
      input.artifact.kind === 'bytes' ? Buffer.from(input.artifact.bytes) : undefined,
    );
  } catch (e) {
    throw fromSigstoreError(e, what);
  }
  checkArtifactBinding(bundle, artifactSha256, what);
  rejectRootInChain(bundle, what);
  entity = { ...entity, tlogEntries: entity.tlogEntries.map((t, i) => checkableTlogEntry(t, i, what)) };
  if (bundle.content.$case === 'messageSignature' && input.artifact.kind === 'digest') {
    // sigstore-js verifies message signatures over the artifact bytes; with only the digest we verify
    // the signature over the digest itself (the content object is ours, the rest of the checks are not).
    const sig = entity.signature;
    entity = {
      ...entity,
      signature: {
        signature: sig.signature,
        compareSignature: (s) => sig.compareSignature(s),
        compareDigest: (d) => sig.compareDigest(d),
        verifySignature: (key: KeyObject) => verifyPrehashed(key, artifactSha256, sig.signature),
      },
    };
  }
  if (
    bundle.content.$case === 'dsseEnvelope' &&
    bundle.verificationMaterial.tlogEntries.some((t) => t.kindVersion?.kind === 'hashedrekord')
  ) {
    // Rekor v2 logs a DSSE envelope as a hashedrekord/0.0.2 entry over Hash(PAE(payloadType, payload))
    // (rekor-v2-spec §6.1.4); sigstore-js 3.1 compares that entry against the payload hash only. The PAE
    // hash commits to the same payload and type, so accepting it binds the entry just as strongly.
    const env = bundle.content.dsseEnvelope;
    const paeHash = createHash('sha256').update(pae(env.payloadType, env.payload)).digest();
    const sig = entity.signature;
    entity = {
      ...entity,
      signature: {
        signature: sig.signature,
        compareSignature: (s) => sig.compareSignature(s),
        compareDigest: (d) => sig.compareDigest(d) || paeHash.equals(d),
        verifySignature: (key: KeyObject) => sig.verifySignature(key),
      },
    };
  }
  if (opts.insecureIgnoreTlog) {
    const timestamps: SignedEntity['timestamps'] = entity.timestamps.filter(
      (t) => t.$case === 'timestamp-authority',
    );
    if (timestamps.length === 0) timestamps.push(verificationTimeAt(input.now));
    entity = { ...entity, tlogEntries: [], timestamps };
  } else if (entity.tlogEntries.length === 0) {
    throw new VouchError(
      'TLOG_INVALID',
      `${what}: expected at least 1 transparency log entry, found 0 (pass --insecure-ignore-tlog to accept a bundle without one)`,
    );
  }

  const verifierOptions = {
    tlogThreshold: opts.insecureIgnoreTlog ? 0 : 1,
    ctlogThreshold: opts.insecureIgnoreSct || entity.key.$case === 'public-key' ? 0 : 1,
    timestampThreshold: 1,
  };
  const leaf = leafCertificate(bundle, what);
  let identity: CertificateIdentity | undefined;
  let signer: SignerIdentity;
  switch (input.policy.kind) {
    case 'certificate': {
      if (!leaf) {
        throw new VouchError(
          'CERTIFICATE_INVALID',
          `${what}: expected a certificate-signed (keyless) bundle, found one signed by a public key (hint ${keyHint(entity)})`,
        );
      }
      runVerifier(input.trustedRoot.trustMaterial, verifierOptions, entity, what);
      identity = readCertificateIdentity(leaf, `${what} certificate`);
      const mismatches = identityMismatches(identity, input.policy.identity);
      if (mismatches.length > 0) {
        throw new VouchError('UNTRUSTED_SIGNER', `${what}: ${mismatches.join('; ')}`);
      }
      signer = certificateSigner(leaf, identity, input.trustedRoot);
      break;
    }
    case 'key': {
      if (leaf) {
        throw new VouchError(
          'UNTRUSTED_SIGNER',
          `${what}: expected a bundle signed by the given key, found a certificate-signed one (${leaf.subjectAltName ?? 'no SAN'})`,
        );
      }
      let lastError: VouchError | undefined;
      const match = input.policy.keys.find((k) => {
        const material: TrustMaterial = {
          ...input.trustedRoot.trustMaterial,
          publicKey: () => ({ publicKey: k.key, validFor: () => true }),
        };
        try {
          runVerifier(material, verifierOptions, entity, what);
          return true;
        } catch (e) {
          lastError = e instanceof VouchError ? e : fromSigstoreError(e, what);
          return false;
        }
      });
      if (!match) {
        throw lastError ?? new VouchError('UNTRUSTED_SIGNER', `${what}: no verification key given`);
      }
      signer = { kind: 'key', spkiSha256: createHash('sha256').update(match.spkiDer).digest('hex') };
      break;
    }
  }

  const result: SigstoreBundleVerification = { signer, ...(identity ? { identity } : {}) };
  const tlog = opts.insecureIgnoreTlog ? undefined : bundle.verificationMaterial.tlogEntries[0];
  const tsa = entity.timestamps.find((t) => t.$case === 'timestamp-authority');
  return {
    ...result,
    ...(tlog ? { tlog: tlogFacts(tlog) } : {}),
    ...(tsa && tsa.$case === 'timestamp-authority'
      ? { rfc3161Time: tsa.timestamp.signingTime.toISOString() }
      : {}),
    ...(bundle.content.$case === 'dsseEnvelope'
      ? { statement: parseStatement(bundle.content.dsseEnvelope.payload, `${what} statement`) }
      : {}),
  };
}

function runVerifier(
  material: TrustMaterial,
  options: { tlogThreshold: number; ctlogThreshold: number; timestampThreshold: number },
  entity: SignedEntity,
  what: string,
): void {
  try {
    new Verifier(material, options).verify(entity);
  } catch (e) {
    throw fromSigstoreError(e, what);
  }
}

/**
 * Binds the bundle to the artifact the caller named. A message signature's digest must be the
 * artifact's (sigstore-js checks the signature and the tlog against the bundle's digest, not against
 * the file we were given); a DSSE in-toto statement must name the artifact's sha256 as a subject.
 */
function checkArtifactBinding(bundle: Bundle, sha256: Buffer, what: string): void {
  switch (bundle.content.$case) {
    case 'messageSignature': {
      const md = bundle.content.messageSignature.messageDigest;
      if (md && md.digest.length > 0 && !Buffer.from(md.digest).equals(sha256)) {
        throw new VouchError(
          'DIGEST_MISMATCH',
          `${what}: signs digest sha256:${Buffer.from(md.digest).toString('hex')}, but the artifact is sha256:${sha256.toString('hex')}`,
        );
      }
      return;
    }
    case 'dsseEnvelope': {
      const env = bundle.content.dsseEnvelope;
      if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
        throw new VouchError(
          'ATTESTATION_INVALID',
          `${what}: DSSE payloadType is ${env.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}`,
        );
      }
      const statement = parseStatement(env.payload, `${what} statement`);
      const hex = sha256.toString('hex');
      if (!statement.subject.some((s) => s.digest.sha256?.toLowerCase() === hex)) {
        throw new VouchError(
          'DIGEST_MISMATCH',
          `${what}: no in-toto subject has sha256 ${hex} (subjects: ${statement.subject.map((s) => s.digest.sha256 ?? '?').join(', ')})`,
        );
      }
      return;
    }
  }
}

/**
 * sigstore-js takes the time at which it checks the certificate chain from the entity's verified
 * timestamps. With the tlog ignored and no RFC 3161 timestamp there is none, and cosign then checks the
 * certificate at the current time; this entry carries `now` through that channel. It is placed only in
 * `timestamps` (never in `tlogEntries`), so it is not treated as log evidence.
 */
function verificationTimeAt(now: Date): SignedEntity['timestamps'][number] {
  const entry: TransparencyLogEntry = {
    logIndex: '0',
    logId: { keyId: Buffer.from('vouch:verification-time') },
    kindVersion: { kind: '', version: '' },
    integratedTime: String(Math.floor(now.getTime() / 1000)),
    inclusionPromise: { signedEntryTimestamp: Buffer.alloc(0) },
    inclusionProof: undefined,
    canonicalizedBody: Buffer.alloc(0),
  };
  return { $case: 'transparency-log', tlogEntry: entry };
}

/**
 * A bundle's chain must stop below the trust anchor: a root shipped inside the bundle is
 * attacker-supplied trust material (the verifier's roots come only from the trusted root), and
 * Sigstore clients reject such bundles (sigstore-conformance bundle-with-root-cert_fail).
 */
function rejectRootInChain(bundle: Bundle, what: string): void {
  const m = bundle.verificationMaterial.content;
  if (m.$case !== 'x509CertificateChain') return;
  m.x509CertificateChain.certificates.forEach((c, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(c.rawBytes));
    } catch (e) {
      throw new VouchError('INPUT_MALFORMED', `${what}: certificate ${i} of the chain is not DER X.509`, {
        cause: e,
      });
    }
    if (cert.ca && cert.checkIssued(cert) && cert.verify(cert.publicKey)) {
      throw new VouchError(
        'CERTIFICATE_INVALID',
        `${what}: certificate chain contains a self-signed root (${cert.subject.replace(/\n/g, ', ')}); roots come only from the trusted root`,
      );
    }
  });
}

/**
 * v0.1 bundles may carry an inclusion proof without a checkpoint (a bare root hash, which nothing
 * signs, so it proves nothing offline). With a SET, the SET is the inclusion evidence, as v0.1
 * intends, and the unsigned proof is dropped; without one the entry cannot be verified.
 */
function checkableTlogEntry(t: TransparencyLogEntry, i: number, what: string): TransparencyLogEntry {
  if (!t.inclusionProof || t.inclusionProof.checkpoint) return t;
  if (t.inclusionPromise) return { ...t, inclusionProof: undefined };
  throw new VouchError(
    'TLOG_INVALID',
    `${what}: tlogEntries[${i}] has an inclusion proof without a signed checkpoint and no SET: inclusion cannot be verified offline`,
  );
}

/** The leaf certificate of a certificate-signed bundle (v0.1/v0.2 chain or v0.3 single certificate). */
function leafCertificate(bundle: Bundle, what: string): X509Certificate | undefined {
  const m = bundle.verificationMaterial.content;
  let der: Uint8Array | undefined;
  switch (m.$case) {
    case 'publicKey':
      return undefined;
    case 'x509CertificateChain':
      der = m.x509CertificateChain.certificates[0]?.rawBytes;
      break;
    case 'certificate':
      der = m.certificate.rawBytes;
      break;
  }
  try {
    return new X509Certificate(Buffer.from(der ?? []));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: leaf certificate is not DER X.509`, { cause: e });
  }
}

function keyHint(entity: SignedEntity): string {
  return entity.key.$case === 'public-key' ? entity.key.hint || '(none)' : '(certificate)';
}

function tlogFacts(e: TransparencyLogEntry): { logIndex: number; integratedTime: string } {
  return {
    logIndex: Number(e.logIndex),
    integratedTime: new Date(Number(e.integratedTime) * 1000).toISOString(),
  };
}

/** The evidence shape admission consumes (src/policy/evidence.ts), naming the CA the chain ends at. */
function certificateSigner(
  leaf: X509Certificate,
  id: CertificateIdentity,
  root: TrustedRootMaterial,
): Extract<SignerIdentity, { kind: 'certificate' }> {
  const ca = root.cas.find((c) =>
    c.certs.some((cert) => leaf.checkIssued(cert) && leaf.verify(cert.publicKey)),
  );
  const extensions: CertificateExtensions = {
    ...(id.githubWorkflowTrigger !== undefined ? { githubWorkflowTrigger: id.githubWorkflowTrigger } : {}),
    ...(id.githubWorkflowSha !== undefined ? { githubWorkflowSha: id.githubWorkflowSha } : {}),
    ...(id.githubWorkflowName !== undefined ? { githubWorkflowName: id.githubWorkflowName } : {}),
    ...(id.githubWorkflowRepository !== undefined
      ? { githubWorkflowRepository: id.githubWorkflowRepository }
      : {}),
    ...(id.githubWorkflowRef !== undefined ? { githubWorkflowRef: id.githubWorkflowRef } : {}),
  };
  const subject = id.sans[0];
  return {
    kind: 'certificate',
    certificateSha256: createHash('sha256').update(leaf.raw).digest('hex'),
    chainTrust: ca ? `fulcio:${ca.uri}` : 'trust-root',
    ...(id.issuer !== undefined ? { issuer: id.issuer } : {}),
    ...(subject !== undefined ? { subject } : {}),
    extensions,
  };
}
