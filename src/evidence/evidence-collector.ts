import { createHash } from 'node:crypto';
import { describeCause, VouchError } from '../errors.js';
import { type ImageReader, parseReference, repositoryName } from '../oci/index.js';
import {
  type AuthorityRequirement,
  type Evidence,
  type EvidenceCollector,
  fulcioAnchor,
  type ImageIdentity,
  type SignerIdentity,
  type VerifiedAttestation,
  type VerifiedSignature,
} from '../policy/index.js';
import {
  type KeylessTrust,
  type KeyTlogTrust,
  parseSimpleSigningPayload,
  parseTrustedRoot,
  publicGoodTrustedRootBytes,
  readAttachedAttestations,
  readAttachedSignatures,
  type TrustedRootMaterial,
  type TrustPolicy,
  type VerifiedAttachment,
  verifyAttachedAttestations,
  verifyAttachedSignatures,
  verifyKeylessAttachedAttestations,
  verifyKeylessAttachedSignatures,
} from '../sign/index.js';
import { parseCertificatePem, parseCertificatesPem, parsePublicKeyPem } from '../crypto/index.js';

export interface CosignEvidenceCollectorDeps {
  /** Opens a reader for a repository (`host/repo`): a registry repository or a LayoutRepository. */
  openRepository(repository: string): ImageReader;
  /** Read once per collect() call: certificate validity is checked at this time. */
  now(): Date;
  /**
   * A Sigstore trusted root (parsed at the edge). `keyless` requirements for a `fulcio:<url>` anchor
   * without PEM roots are verified against it, with the transparency-log checks cosign does; key
   * requirements that need the tlog verify their Rekor entries against its log keys (default: the
   * bundled public-good root).
   */
  trustedRoot?: TrustedRootMaterial;
}

/** The trust policy of one requirement, plus how a verified signer is described to the engine. */
type RequirementTrust = {
  trust: TrustPolicy;
  signer: (v: VerifiedAttachment) => SignerIdentity;
  /** Set when the requirement is verified keylessly against the trusted root (tlog checked). */
  keyless?: KeylessTrust;
  /** Set when key-verified signatures count only with a Rekor entry verified against this root. */
  keyTlog?: KeyTlogTrust;
};

/**
 * Any identity: the collector reports who signed and the engine matches the policy's identities, so it
 * can explain a mismatch. The keyless verifiers insist on an issuer and subject constraint (so a CLI
 * user cannot forget one); these match every value a Fulcio certificate carries.
 */
const ANY_IDENTITY = { subjectRegExp: '^[\\s\\S]*$', issuerRegExp: '^[\\s\\S]*$' } as const;

/**
 * A keyless requirement for `fulcio:<url>` against the trusted root: usable only when the root names a
 * CA at that URL (the root may hold CAs from several Fulcio instances; a policy for one must not be
 * satisfied by a root that only knows another).
 */
function keylessFromRoot(
  req: AuthorityRequirement & { kind: 'keyless' },
  trustedRoot: TrustedRootMaterial | undefined,
): KeylessTrust | undefined {
  if (trustedRoot === undefined || !req.trustAnchor.startsWith('fulcio:')) return undefined;
  if (!trustedRoot.cas.some((ca) => fulcioAnchor(ca.uri) === req.trustAnchor)) return undefined;
  return {
    trustedRoot,
    identity: ANY_IDENTITY,
    options: {
      ...(req.tlog.required ? {} : { insecureIgnoreTlog: true }),
      ...(req.ignoreSct ? { insecureIgnoreSct: true } : {}),
    },
  };
}

function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function certificateSigner(v: VerifiedAttachment, chainTrust: string): SignerIdentity {
  const id = v.identity;
  const subject = id?.sans[0];
  return {
    kind: 'certificate',
    certificateSha256: v.certificateDer ? sha256Hex(v.certificateDer) : '',
    chainTrust,
    ...(id?.issuer !== undefined ? { issuer: id.issuer } : {}),
    ...(subject !== undefined ? { subject } : {}),
    extensions: {
      ...(id?.githubWorkflowTrigger !== undefined ? { githubWorkflowTrigger: id.githubWorkflowTrigger } : {}),
      ...(id?.githubWorkflowSha !== undefined ? { githubWorkflowSha: id.githubWorkflowSha } : {}),
      ...(id?.githubWorkflowName !== undefined ? { githubWorkflowName: id.githubWorkflowName } : {}),
      ...(id?.githubWorkflowRepository !== undefined
        ? { githubWorkflowRepository: id.githubWorkflowRepository }
        : {}),
      ...(id?.githubWorkflowRef !== undefined ? { githubWorkflowRef: id.githubWorkflowRef } : {}),
    },
  };
}

/**
 * Turns a requirement's trust material into a TrustPolicy. Identity constraints are left empty: the
 * engine matches the reported identity against the policy, so it can explain a mismatch itself.
 * @throws USAGE, INPUT_MALFORMED, UNSUPPORTED (unusable trust material in the policy)
 */
function trustFor(
  req: AuthorityRequirement,
  trustedRoot: TrustedRootMaterial | undefined,
  tlogRoot: () => TrustedRootMaterial,
): RequirementTrust {
  // policy-controller (`ctlog.url` / `ctlog.trustRootRef` set) and Kyverno (no `rekor.ignoreTlog`)
  // require a Rekor entry for key-signed images too; without one the signature does not satisfy it.
  const keyTlog = (): { keyTlog?: KeyTlogTrust } =>
    req.tlog.required ? { keyTlog: { trustedRoot: tlogRoot() } } : {};
  switch (req.kind) {
    case 'key': {
      if (req.publicKeyPem === undefined) {
        throw new VouchError(
          'UNSUPPORTED',
          `${req.id}: key reference ${req.keyRef ?? '(none)'} cannot be resolved here`,
          {
            hint: 'give the public key inline (PEM) in the policy',
          },
        );
      }
      const key = parsePublicKeyPem(req.publicKeyPem, `${req.id} public key`);
      return {
        trust: { kind: 'key', keys: [key] },
        signer: () => ({
          kind: 'key',
          spkiSha256: key.keyId,
          ...(req.keyRef !== undefined ? { keyRef: req.keyRef } : {}),
        }),
        ...keyTlog(),
      };
    }
    case 'keyless': {
      const keyless = req.rootsPem === undefined ? keylessFromRoot(req, trustedRoot) : undefined;
      if (keyless !== undefined) {
        return {
          trust: { kind: 'certificate', authorities: keyless.trustedRoot.authorities, identity: {} },
          signer: (v) => certificateSigner(v, req.trustAnchor),
          keyless,
        };
      }
      if (req.rootsPem === undefined) {
        throw new VouchError(
          'UNSUPPORTED',
          `${req.id}: keyless trust anchor ${req.trustAnchor} has no roots given`,
          {
            hint: 'give the CA roots as PEM, or a trusted_root.json naming this Fulcio (fetching the public-good root over TUF is not supported)',
          },
        );
      }
      const certs = parseCertificatesPem(req.rootsPem, `${req.id} roots`);
      // Self-signed certificates are trust anchors; the others are intermediates that may fill a path.
      const roots = certs.filter((c) => c.checkIssued(c));
      const intermediates = certs.filter((c) => !c.checkIssued(c));
      return {
        trust: { kind: 'certificate', authorities: { roots, intermediates }, identity: {} },
        signer: (v) => certificateSigner(v, req.trustAnchor),
      };
    }
    case 'certificate': {
      if (req.certificatePem === undefined) {
        throw new VouchError('UNSUPPORTED', `${req.id}: no certificate given`);
      }
      // The pinned leaf is itself the trusted material (Kyverno certificates.cert): signatures must
      // verify with its key; the identity is read from the pinned certificate.
      const leaf = parseCertificatePem(req.certificatePem, `${req.id} certificate`);
      const key = parsePublicKeyPem(
        leaf.publicKey.export({ format: 'pem', type: 'spki' }),
        `${req.id} certificate`,
      );
      return {
        trust: { kind: 'key', keys: [key] },
        signer: (v) => certificateSigner({ ...v, certificateDer: leaf.raw }, 'leaf-pinned'),
        ...keyTlog(),
      };
    }
  }
}

/**
 * The EvidenceCollector the admission webhook and `policy test` use: reads cosign signatures and
 * attestations (both storage formats) through verified store reads, verifies them with the
 * requirement's trust material, and reports what verified. "Nothing attached" and "nothing verified"
 * are answers (empty lists, reasons in `problems`), never exceptions.
 */
export class CosignEvidenceCollector implements EvidenceCollector {
  private publicGoodRoot: TrustedRootMaterial | undefined;

  constructor(private readonly deps: CosignEvidenceCollectorDeps) {}

  /** The root key requirements check Rekor entries against: the given one, else the public-good root. */
  private tlogRoot(): TrustedRootMaterial {
    if (this.deps.trustedRoot) return this.deps.trustedRoot;
    this.publicGoodRoot ??= parseTrustedRoot(publicGoodTrustedRootBytes(), 'the public-good trusted root');
    return this.publicGoodRoot;
  }

  async collect(image: ImageIdentity, req: AuthorityRequirement): Promise<Evidence> {
    const now = this.deps.now();
    const problems: string[] = [];
    const signatures: VerifiedSignature[] = [];
    const attestations: VerifiedAttestation[] = [];
    let rt: RequirementTrust;
    try {
      rt = trustFor(req, this.deps.trustedRoot, () => this.tlogRoot());
    } catch (e) {
      return { digest: image.digest, signatures, attestations, problems: [`${req.id}: ${describeCause(e)}`] };
    }
    if (req.rfc3161.required) {
      problems.push(`${req.id}: RFC 3161 timestamps are not verified by this collector; none is reported`);
    }
    if (req.tlog.required && rt.keyless === undefined && rt.keyTlog === undefined) {
      problems.push(
        `${req.id}: transparency-log entries are not verified by this collector; none is reported`,
      );
    }
    let repositories: string[];
    try {
      repositories =
        req.signatureRepositories.length > 0
          ? [...req.signatureRepositories]
          : [repositoryName(parseReference(image.ref))];
    } catch (e) {
      return { digest: image.digest, signatures, attestations, problems: [`${req.id}: ${describeCause(e)}`] };
    }
    for (const repository of repositories) {
      try {
        const reader = this.deps.openRepository(repository);
        await this.collectSignatures(reader, image, rt, now, signatures, problems, req.id);
        if (req.predicateTypes.length > 0) {
          await this.collectAttestations(reader, image, req, rt, now, attestations, problems);
        }
      } catch (e) {
        problems.push(`${req.id}: ${repository}: ${describeCause(e)}`);
      }
    }
    return { digest: image.digest, signatures, attestations, problems };
  }

  private async collectSignatures(
    reader: ImageReader,
    image: ImageIdentity,
    rt: RequirementTrust,
    now: Date,
    out: VerifiedSignature[],
    problems: string[],
    id: string,
  ): Promise<void> {
    const attached = await readAttachedSignatures(reader, image.digest);
    problems.push(...attached.problems.map((p) => `${id}: ${p}`));
    const v = rt.keyless
      ? verifyKeylessAttachedSignatures({ attached, keyless: rt.keyless, now })
      : verifyAttachedSignatures({
          attached,
          trust: rt.trust,
          now,
          ...(rt.keyTlog ? { tlog: rt.keyTlog } : {}),
        });
    if (!v.ok) {
      problems.push(`${id}: ${v.error?.message ?? 'no signature verified'}`);
      return;
    }
    for (const item of v.verified) {
      out.push({
        signedDigest: signedDigestOf(item, image.digest),
        signer: rt.signer(item),
        foundIn: reader.location,
        ...(item.tlog ? { tlog: item.tlog } : {}),
      });
    }
  }

  private async collectAttestations(
    reader: ImageReader,
    image: ImageIdentity,
    req: AuthorityRequirement,
    rt: RequirementTrust,
    now: Date,
    out: VerifiedAttestation[],
    problems: string[],
  ): Promise<void> {
    const attached = await readAttachedAttestations(reader, image.digest);
    problems.push(...attached.problems.map((p) => `${req.id}: ${p}`));
    for (const predicateType of req.predicateTypes) {
      const v = rt.keyless
        ? verifyKeylessAttachedAttestations({ attached, keyless: rt.keyless, now, predicateType })
        : verifyAttachedAttestations({
            attached,
            trust: rt.trust,
            now,
            predicateType,
            ...(rt.keyTlog ? { tlog: rt.keyTlog } : {}),
          });
      if (!v.ok) {
        problems.push(`${req.id}: ${predicateType}: ${v.error?.message ?? 'no attestation verified'}`);
        continue;
      }
      for (const item of v.verified) {
        if (!item.statement) continue;
        out.push({
          signer: rt.signer(item),
          foundIn: reader.location,
          statement: item.statement,
          ...(item.tlog ? { tlog: item.tlog } : {}),
        });
      }
    }
  }
}

/**
 * The digest a verified signature names. The pure verifier already required it to equal the image
 * digest; it is read again from the signed payload so the engine's own re-check sees signed data.
 */
function signedDigestOf(
  item: VerifiedAttachment,
  fallback: ImageIdentity['digest'],
): ImageIdentity['digest'] {
  if (item.format === 'legacy') {
    try {
      return parseSimpleSigningPayload(item.payload, 'verified payload').digest;
    } catch {
      // Unreachable for a verified legacy item (its payload parsed during verification).
      return fallback;
    }
  }
  return fallback;
}
