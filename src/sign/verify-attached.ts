import {
  encodePem,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseCertificatePem,
  parseEnvelope,
  parsePublicKeyPem,
  parseStatement,
  type Statement,
  statementCoversDigest,
  statementDigests,
  verifyBytes,
} from '../crypto/index.js';
import { type AttestationCandidate, verifyImageAttestations } from './verify-attestations.js';
import { createHash } from 'node:crypto';
import { describeCause, VouchError, type VouchErrorCode } from '../errors.js';
import type { Digest } from '../digest.js';
import type { CertificateIdentity, IdentityConstraints } from './certificate-identity.js';
import type { CosignEntry } from './cosign-manifest.js';
import { checkBundleTlogKey, type KeyTlogTrust, verifyKeyRekorEntry } from './key-tlog.js';
import type { RekorSignedContent, VerifiedRekorEntry } from './keyless/rekor-bundle.js';
import type { TrustedRootMaterial } from './keyless/trusted-root.js';
import {
  verifyKeylessImageAttestations,
  verifyKeylessImageSignatures,
} from './keyless/verify-keyless-signatures.js';
import {
  type BundleSignerPolicy,
  type BundleVerifyOptions,
  verifySigstoreBundle,
} from './keyless/verify-sigstore-bundle.js';
import { type Bundle, COSIGN_SIGN_PREDICATE_TYPE, parseBundle } from './sigstore-bundle.js';
import { checkSigner, describeTrust, type TrustPolicy } from './trust.js';
import { type SignatureCandidate, summarize, verifyImageSignatures } from './verify.js';

/** A Sigstore bundle found as an OCI 1.1 referrer of the image, with the referrer's digest for messages. */
export interface BundleCandidate {
  referrer: Digest;
  bytes: Buffer;
}

/** Everything attached to one image digest in both cosign storage formats, before verification. */
export interface AttachedCandidates<L> {
  imageDigest: Digest;
  /** Entries of the `sha256-<hex>.sig` / `.att` tag manifest. */
  legacy: L[];
  /** Bundle referrers (`application/vnd.dev.sigstore.bundle.v0.3+json`). */
  bundles: BundleCandidate[];
  /** What was seen but could not be used (a missing blob, a non-cosign manifest under the tag). */
  problems: string[];
}

/** One signature or attestation that verified, whichever format it came in. */
export interface VerifiedAttachment {
  format: 'legacy' | 'bundle';
  /** Position across legacy entries then bundles, as used in failure messages. */
  index: number;
  keyId: string;
  identity?: CertificateIdentity;
  /** DER leaf certificate when the signer was a certificate. */
  certificateDer?: Buffer;
  /** The signed bytes to show a user: the simple-signing payload, or the in-toto statement. */
  payload: Buffer;
  /** Set for DSSE content (attestations, bundle signatures). */
  statement?: Statement;
  /** The transparency-log entry that verified (against a trusted root: keyless, or key with `tlog`). */
  tlog?: { logIndex: number; integratedTime: string; url?: string };
}

type Failure = { ok: false; index: number; code: VouchErrorCode; reason: string; seenKeyId?: string };
type Success = { ok: true; item: VerifiedAttachment };

export interface AttachedVerification {
  imageDigest: Digest;
  ok: boolean;
  verified: VerifiedAttachment[];
  failures: Failure[];
  error?: { code: VouchErrorCode; message: string };
}

/**
 * Verifies every signature attached to an image, legacy `.sig` entries and bundle referrers alike
 * (pure). A bundle signature counts when its DSSE envelope verifies with a trusted signer, carries an
 * in-toto statement of cosign's sign predicate type, and a subject names `imageDigest`. With `tlog`
 * (key trust only), a signature also needs a Rekor entry verified against that trusted root, as
 * `cosign verify --key` requires by default.
 * @throws USAGE (`tlog` with certificate trust)
 */
export function verifyAttachedSignatures(input: {
  attached: AttachedCandidates<SignatureCandidate>;
  trust: TrustPolicy;
  now: Date;
  tlog?: KeyTlogTrust;
}): AttachedVerification {
  const { attached, trust, now } = input;
  const keyTlog = keyTlogOf(trust, input.tlog);
  const legacy = verifyImageSignatures({
    imageDigest: attached.imageDigest,
    candidates: attached.legacy,
    trust,
    now,
  });
  const outcomes: (Success | Failure)[] = [
    ...legacy.verified.map((v): Success | Failure => {
      const c = attached.legacy.find((x) => x.entry.index === v.index);
      const payload = c?.payload ?? Buffer.alloc(0);
      return legacyOutcome(v, c?.entry, keyTlog, { payload }, () => ({
        kind: 'simple-signing',
        signature: c?.entry.signature ?? '',
        payload,
      }));
    }),
    ...legacy.failures,
    ...attached.bundles.map((b, i) =>
      keyTlog
        ? checkTrustedRootBundle(b, attached.legacy.length + i, attached.imageDigest, keyTlog.root, now, {
            want: COSIGN_SIGN_PREDICATE_TYPE,
          })
        : checkBundle(
            b,
            attached.legacy.length + i,
            attached.imageDigest,
            trust,
            now,
            COSIGN_SIGN_PREDICATE_TYPE,
          ),
    ),
  ];
  return finish(attached.imageDigest, outcomes, trust, 'signature');
}

/** Key trust plus the trusted root its signatures' Rekor entries are verified against. */
interface KeyTlog {
  keys: TrustPolicy & { kind: 'key' };
  root: { trustedRoot: TrustedRootMaterial; policy: BundleSignerPolicy };
}

function keyTlogOf(trust: TrustPolicy, tlog: KeyTlogTrust | undefined): KeyTlog | undefined {
  if (tlog === undefined) return undefined;
  if (trust.kind !== 'key') {
    throw new VouchError(
      'USAGE',
      'transparency-log checks with a certificate trust policy go through keyless verification (--trusted-root with --certificate-identity)',
    );
  }
  return {
    keys: trust,
    root: { trustedRoot: tlog.trustedRoot, policy: { kind: 'key', keys: trust.keys } },
  };
}

/** One legacy `.sig`/`.att` entry that verified, as reported, checked against the tlog when asked. */
function legacyOutcome(
  v: { index: number; keyId: string; identity?: CertificateIdentity },
  entry: CosignEntry | undefined,
  keyTlog: KeyTlog | undefined,
  body: { payload: Buffer; statement?: Statement },
  content: () => RekorSignedContent,
): Success | Failure {
  const item: VerifiedAttachment = {
    format: 'legacy',
    index: v.index,
    keyId: v.keyId,
    ...(v.identity ? { identity: v.identity } : {}),
    ...certificateOf(entry?.certificatePem),
    ...body,
  };
  return withKeyTlog(item, entry, keyTlog, content);
}

/**
 * A legacy item that verified with a key counts under `tlog` only if its layer's Rekor entry verifies
 * for that key; the entry's facts are reported with it.
 */
function withKeyTlog(
  item: VerifiedAttachment,
  entry: CosignEntry | undefined,
  keyTlog: KeyTlog | undefined,
  content: () => RekorSignedContent,
): Success | Failure {
  if (keyTlog === undefined) return { ok: true, item };
  const key = keyTlog.keys.keys.find((k) => k.keyId === item.keyId);
  const what = `signature ${item.index}`;
  if (entry === undefined || key === undefined) {
    return {
      ok: false,
      index: item.index,
      code: 'INTERNAL',
      reason: `${what}: verified without its entry or key`,
    };
  }
  try {
    const e = verifyKeyRekorEntry({ entry, content: content(), key, trust: keyTlog.root, what });
    return { ok: true, item: { ...item, ...tlogFact(e) } };
  } catch (e) {
    const code: VouchErrorCode = e instanceof VouchError ? e.code : 'TLOG_INVALID';
    return { ok: false, index: item.index, code, reason: describeCause(e), seenKeyId: item.keyId };
  }
}

/**
 * Verifies every attestation attached to an image in both formats (pure). Bundles holding cosign's
 * own image-signature statement are signatures, not attestations, and are left out.
 */
export function verifyAttachedAttestations(input: {
  attached: AttachedCandidates<AttestationCandidate>;
  trust: TrustPolicy;
  now: Date;
  predicateType?: string;
  /** As for verifyAttachedSignatures: key trust only, each attestation needs a verified Rekor entry. */
  tlog?: KeyTlogTrust;
}): AttachedVerification {
  const { attached, trust, now } = input;
  const keyTlog = keyTlogOf(trust, input.tlog);
  const legacy = verifyImageAttestations({
    imageDigest: attached.imageDigest,
    candidates: attached.legacy,
    trust,
    now,
    ...(input.predicateType !== undefined ? { predicateType: input.predicateType } : {}),
  });
  const bundleOutcomes = attached.bundles
    .map((b, i) =>
      keyTlog
        ? checkTrustedRootBundle(b, attached.legacy.length + i, attached.imageDigest, keyTlog.root, now, {
            ...(input.predicateType !== undefined ? { want: input.predicateType } : {}),
          })
        : checkBundle(b, attached.legacy.length + i, attached.imageDigest, trust, now, input.predicateType),
    )
    .filter((o) => !(o.ok && o.item.statement?.predicateType === COSIGN_SIGN_PREDICATE_TYPE));
  const outcomes: (Success | Failure)[] = [
    ...legacy.verified.map((v): Success | Failure => {
      const c = attached.legacy.find((x) => x.entry.index === v.index);
      const body = { payload: Buffer.from(JSON.stringify(v.statement)), statement: v.statement };
      // The envelope parsed during verification, so it parses again here.
      return legacyOutcome(v, c?.entry, keyTlog, body, () => ({
        kind: 'dsse',
        envelope: parseEnvelope(c?.envelope ?? Buffer.alloc(0), `attestation ${v.index}`),
      }));
    }),
    ...legacy.failures,
    ...bundleOutcomes,
  ];
  return finish(attached.imageDigest, outcomes, trust, 'attestation');
}

function finish(
  imageDigest: Digest,
  outcomes: (Success | Failure)[],
  trust: TrustPolicy,
  noun: 'signature' | 'attestation',
): AttachedVerification {
  const s = summarize(imageDigest, outcomes, trust, noun);
  return {
    imageDigest,
    ok: s.ok,
    verified: s.verified.map((v) => v.item).sort((a, b) => a.index - b.index),
    failures: s.failures,
    ...(s.error ? { error: s.error } : {}),
  };
}

function certificateOf(pem: string | undefined): { certificateDer?: Buffer } {
  if (pem === undefined || pem === '') return {};
  // With key trust the certificate annotation is never checked, so it may be garbage an attacker put
  // beside a good signature: unparseable means "no certificate", never an exception.
  try {
    return { certificateDer: parseCertificatePem(pem, 'signature certificate').raw };
  } catch {
    return {};
  }
}

/** The signer material of a bundle as the PEM strings checkSigner takes. */
function bundleSignerMaterial(bundle: Bundle): { certificatePem?: string; chainPem?: string } {
  const m = bundle.verificationMaterial.content;
  switch (m.$case) {
    case 'publicKey':
      return {};
    case 'certificate':
      return { certificatePem: encodePem('CERTIFICATE', m.certificate.rawBytes) };
    case 'x509CertificateChain': {
      const [leaf, ...rest] = m.x509CertificateChain.certificates;
      if (!leaf) return {};
      return {
        certificatePem: encodePem('CERTIFICATE', leaf.rawBytes),
        ...(rest.length > 0
          ? { chainPem: rest.map((c) => encodePem('CERTIFICATE', c.rawBytes)).join('') }
          : {}),
      };
    }
  }
}

/**
 * Checks one bundle referrer: parse (attacker-controlled bytes: a truncated or hostile bundle is a
 * failed candidate, never an exception that hides the others), signer, payload type, statement,
 * subject digest, predicate type.
 */
function checkBundle(
  b: BundleCandidate,
  index: number,
  imageDigest: Digest,
  trust: TrustPolicy,
  now: Date,
  predicateType: string | undefined,
): Success | Failure {
  let bundle: Bundle;
  try {
    bundle = parseBundle(b.bytes, `bundle referrer ${b.referrer}`);
  } catch (e) {
    return { ok: false, index, code: 'VERIFICATION_FAILED', reason: describeCause(e) };
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    return {
      ok: false,
      index,
      code: 'VERIFICATION_FAILED',
      reason: `bundle referrer ${b.referrer} carries a message signature; image bundles carry a DSSE envelope`,
    };
  }
  const env = bundle.content.dsseEnvelope;
  const payload = Buffer.from(env.payload);
  const message = pae(env.payloadType, payload);
  const material = bundleSignerMaterial(bundle);
  const signer = checkSigner(
    material,
    (k) => env.signatures.some((s) => verifyBytes(k, message, s.sig)),
    trust,
    now,
  );
  if (!signer.ok) return { index, ...signer };
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return {
      ok: false,
      index,
      code: 'ATTESTATION_INVALID',
      reason: `payload type ${env.payloadType} != expected ${IN_TOTO_PAYLOAD_TYPE}`,
      seenKeyId: signer.keyId,
    };
  }
  let statement: Statement;
  try {
    statement = parseStatement(payload, `bundle referrer ${b.referrer}`);
  } catch (e) {
    return {
      ok: false,
      index,
      code: 'ATTESTATION_INVALID',
      reason: describeCause(e),
      seenKeyId: signer.keyId,
    };
  }
  if (!statementCoversDigest(statement, imageDigest)) {
    return {
      ok: false,
      index,
      code: 'DIGEST_MISMATCH',
      reason: `statement subject names ${statementDigests(statement).join(', ')} but the image is ${imageDigest}`,
      seenKeyId: signer.keyId,
    };
  }
  if (predicateType !== undefined && statement.predicateType !== predicateType) {
    return {
      ok: false,
      index,
      code: 'ATTESTATION_INVALID',
      reason: `predicate type ${statement.predicateType} != expected ${predicateType}`,
      seenKeyId: signer.keyId,
    };
  }
  return {
    ok: true,
    item: {
      format: 'bundle',
      index,
      keyId: signer.keyId,
      ...(signer.identity ? { identity: signer.identity } : {}),
      ...certificateOf(material.certificatePem),
      payload,
      statement,
    },
  };
}

/**
 * Verifies a message-signature bundle over an artifact (sign-blob / verify-blob) with any trust policy:
 * the bundle's digest must be the artifact's sha256, and the signature must verify over the artifact
 * with a trusted signer (a given key, or a certificate chaining to the roots with the identity).
 * Transparency-log entries are not checked here (see keyless/verify-sigstore-bundle.ts).
 * @throws DIGEST_MISMATCH, SIGNATURE_INVALID, CERTIFICATE_INVALID, UNTRUSTED_SIGNER, INPUT_MALFORMED
 */
export function verifyArtifactBundle(
  bundle: Bundle,
  artifact: Uint8Array,
  trust: TrustPolicy,
  now: Date,
  what: string,
): { keyId: string; identity?: CertificateIdentity } {
  if (bundle.content.$case !== 'messageSignature') {
    throw new VouchError('INPUT_MALFORMED', `${what}: carries a DSSE envelope, not a signature over a file`);
  }
  const ms = bundle.content.messageSignature;
  const want = Buffer.from(ms.messageDigest.digest).toString('hex');
  const got = createHash('sha256').update(artifact).digest('hex');
  if (want !== got) {
    throw new VouchError(
      'DIGEST_MISMATCH',
      `${what}: signs sha256:${want} but the artifact is sha256:${got}`,
    );
  }
  const signer = checkSigner(
    bundleSignerMaterial(bundle),
    (k) => verifyBytes(k, artifact, ms.signature),
    trust,
    now,
  );
  if (!signer.ok) {
    const message =
      signer.code === 'SIGNATURE_INVALID'
        ? `${what}: signature does not verify with ${describeTrust(trust)}`
        : `${what}: ${signer.reason}`;
    throw new VouchError(signer.code, message);
  }
  return { keyId: signer.keyId, ...(signer.identity ? { identity: signer.identity } : {}) };
}

/** What keyless verification against a Sigstore trusted root needs (`--trusted-root`). */
export interface KeylessTrust {
  trustedRoot: TrustedRootMaterial;
  identity: IdentityConstraints;
  options?: BundleVerifyOptions;
}

function tlogFact(e: VerifiedRekorEntry | undefined): { tlog?: VerifiedAttachment['tlog'] } {
  if (e === undefined) return {};
  return { tlog: { logIndex: e.logIndex, integratedTime: e.integratedTime.toISOString(), url: e.url } };
}

/**
 * Verifies every signature attached to an image keylessly against a Sigstore trusted root (pure), as
 * cosign verify does: legacy `.sig` layers through verifyKeylessImageSignatures (Rekor SET, chain at
 * integratedTime, SCT, identity), bundle referrers through verifySigstoreBundle over the image digest
 * (chain, SCT, tlog inclusion / SET, identity), then cosign's sign predicate type. Unlike
 * verifyAttachedSignatures with a `--ca-roots` policy, the transparency log is checked.
 */
export function verifyKeylessAttachedSignatures(input: {
  attached: AttachedCandidates<SignatureCandidate>;
  keyless: KeylessTrust;
  now: Date;
}): AttachedVerification {
  const { attached, keyless, now } = input;
  const opts = keyless.options ?? {};
  const legacy = verifyKeylessImageSignatures({
    imageDigest: attached.imageDigest,
    candidates: attached.legacy,
    trustedRoot: keyless.trustedRoot,
    identity: keyless.identity,
    ...(opts.insecureIgnoreTlog ? { insecureIgnoreTlog: true } : {}),
    ...(opts.insecureIgnoreSct ? { insecureIgnoreSct: true } : {}),
    now,
  });
  const outcomes: (Success | Failure)[] = [
    ...legacy.verified.map((v): Success => {
      const c = attached.legacy.find((x) => x.entry.index === v.index);
      return {
        ok: true,
        item: {
          format: 'legacy',
          index: v.index,
          keyId: v.keyId,
          ...(v.identity ? { identity: v.identity } : {}),
          ...certificateOf(c?.entry.certificatePem),
          payload: c?.payload ?? Buffer.alloc(0),
          ...tlogFact(legacy.tlog[v.index]),
        },
      };
    }),
    ...legacy.failures,
    ...attached.bundles.map((b, i) =>
      checkTrustedRootBundle(b, attached.legacy.length + i, attached.imageDigest, keylessRoot(keyless), now, {
        want: COSIGN_SIGN_PREDICATE_TYPE,
      }),
    ),
  ];
  return finish(attached.imageDigest, outcomes, keylessPolicy(keyless), 'signature');
}

/**
 * Verifies every attestation attached to an image keylessly against a Sigstore trusted root (pure):
 * legacy `.att` layers through verifyKeylessImageAttestations, bundle referrers through
 * verifySigstoreBundle over the image digest; cosign's image-signature statements are left out.
 */
export function verifyKeylessAttachedAttestations(input: {
  attached: AttachedCandidates<AttestationCandidate>;
  keyless: KeylessTrust;
  now: Date;
  predicateType?: string;
}): AttachedVerification {
  const { attached, keyless, now } = input;
  const opts = keyless.options ?? {};
  const legacy = verifyKeylessImageAttestations({
    imageDigest: attached.imageDigest,
    candidates: attached.legacy,
    trustedRoot: keyless.trustedRoot,
    identity: keyless.identity,
    ...(input.predicateType !== undefined ? { predicateType: input.predicateType } : {}),
    ...(opts.insecureIgnoreTlog ? { insecureIgnoreTlog: true } : {}),
    ...(opts.insecureIgnoreSct ? { insecureIgnoreSct: true } : {}),
    now,
  });
  const bundleOutcomes = attached.bundles
    .map((b, i) =>
      checkTrustedRootBundle(b, attached.legacy.length + i, attached.imageDigest, keylessRoot(keyless), now, {
        ...(input.predicateType !== undefined ? { want: input.predicateType } : {}),
      }),
    )
    .filter((o) => !(o.ok && o.item.statement?.predicateType === COSIGN_SIGN_PREDICATE_TYPE));
  const outcomes: (Success | Failure)[] = [
    ...legacy.verified.map(
      (v): Success => ({
        ok: true,
        item: {
          format: 'legacy',
          index: v.index,
          keyId: v.keyId,
          ...(v.identity ? { identity: v.identity } : {}),
          ...certificateOf(attached.legacy.find((c) => c.entry.index === v.index)?.entry.certificatePem),
          payload: Buffer.from(JSON.stringify(v.statement)),
          statement: v.statement,
          ...tlogFact(legacy.tlog[v.index]),
        },
      }),
    ),
    ...legacy.failures,
    ...bundleOutcomes,
  ];
  return finish(attached.imageDigest, outcomes, keylessPolicy(keyless), 'attestation');
}

/** The TrustPolicy equivalent of keyless trust, for messages (summarize describes the trust). */
function keylessPolicy(k: KeylessTrust): TrustPolicy {
  return { kind: 'certificate', authorities: k.trustedRoot.authorities, identity: k.identity };
}

/** A bundle verified against a trusted root: who must have signed, and the tlog/SCT options. */
interface TrustedRootBundleCheck {
  trustedRoot: TrustedRootMaterial;
  policy: BundleSignerPolicy;
  options?: BundleVerifyOptions;
}

function keylessRoot(k: KeylessTrust): TrustedRootBundleCheck {
  return {
    trustedRoot: k.trustedRoot,
    policy: { kind: 'certificate', identity: k.identity },
    ...(k.options ? { options: k.options } : {}),
  };
}

/**
 * One bundle referrer verified by sigstore-js against a trusted root (tlog entries, and for keyless
 * the chain, SCT and identity; for a key policy the entries must also record that key). The bundle
 * bytes are attacker-controlled: each failure is a failed candidate, never an exception that hides the
 * others.
 */
function checkTrustedRootBundle(
  b: BundleCandidate,
  index: number,
  imageDigest: Digest,
  check: TrustedRootBundleCheck,
  now: Date,
  predicate: { want?: string },
): Success | Failure {
  const what = `bundle referrer ${b.referrer}`;
  try {
    const v = verifySigstoreBundle({
      bundle: b.bytes,
      artifact: { kind: 'digest', digest: imageDigest },
      trustedRoot: check.trustedRoot,
      policy: check.policy,
      ...(check.options ? { options: check.options } : {}),
      now,
      what,
    });
    if (v.statement === undefined) {
      return {
        ok: false,
        index,
        code: 'VERIFICATION_FAILED',
        reason: `${what} carries a message signature; image bundles carry a DSSE envelope`,
      };
    }
    const parsed = parseBundle(b.bytes, what);
    const material = bundleSignerMaterial(parsed);
    if (check.policy.kind === 'key' && v.signer.kind === 'key' && !check.options?.insecureIgnoreTlog) {
      const spki = v.signer.spkiSha256;
      const key = check.policy.keys.find((k) => k.keyId === spki);
      if (key === undefined) throw new VouchError('INTERNAL', `${what}: verified with an unknown key`);
      checkBundleTlogKey(parsed, key, what);
    }
    // The same key id checkSigner reports for a certificate: that of its public key.
    const keyId =
      material.certificatePem !== undefined
        ? parsePublicKeyPem(
            parseCertificatePem(material.certificatePem, what).publicKey.export({
              format: 'pem',
              type: 'spki',
            }),
            what,
          ).keyId
        : v.signer.kind === 'key'
          ? v.signer.spkiSha256
          : v.signer.certificateSha256;
    if (predicate.want !== undefined && v.statement.predicateType !== predicate.want) {
      return {
        ok: false,
        index,
        code: 'ATTESTATION_INVALID',
        reason: `predicate type ${v.statement.predicateType} != expected ${predicate.want}`,
        seenKeyId: keyId,
      };
    }
    return {
      ok: true,
      item: {
        format: 'bundle',
        index,
        keyId,
        ...(v.identity ? { identity: v.identity } : {}),
        ...certificateOf(material.certificatePem),
        payload:
          parsed.content.$case === 'dsseEnvelope'
            ? Buffer.from(parsed.content.dsseEnvelope.payload)
            : Buffer.from(JSON.stringify(v.statement)),
        statement: v.statement,
        ...(v.tlog ? { tlog: v.tlog } : {}),
      },
    };
  } catch (e) {
    const code: VouchErrorCode = e instanceof VouchError ? e.code : 'VERIFICATION_FAILED';
    return { ok: false, index, code, reason: describeCause(e) };
  }
}
