// Builds Evidence by hand, as the signing engineer's verifier would report it, so the pure engine can
// be tested without registries: each item states what verified it, never raw signatures.
import { readFileSync } from 'node:fs';
import type {
  Evidence,
  SignerIdentity,
  VerifiedAttestation,
  VerifiedSignature,
} from '../../src/policy/index.js';
import { spkiSha256 } from '../../src/policy/public-key.js';
import type { Digest } from '../../src/oci/digest.js';

export const FIXTURES = new URL('../fixtures/policy/', import.meta.url).pathname;

export function fixture(rel: string): string {
  return readFileSync(`${FIXTURES}${rel}`, 'utf8');
}

export const KEY_PEM = fixture('keys/cosign.pub');
export const OTHER_KEY_PEM = fixture('keys/other.pub');
export const KEY_FP = spkiSha256(KEY_PEM) ?? '';
export const OTHER_KEY_FP = spkiSha256(OTHER_KEY_PEM) ?? '';

export const D1 = `sha256:${'1'.repeat(64)}` as Digest;
export const D2 = `sha256:${'2'.repeat(64)}` as Digest;
export const D3 = `sha256:${'3'.repeat(64)}` as Digest;

export const NOW = new Date('2026-11-23T12:00:00Z');
export const GITHUB = 'https://token.actions.githubusercontent.com';

export function keySigner(fp = KEY_FP): SignerIdentity {
  return { kind: 'key', spkiSha256: fp };
}

export function certSigner(
  subject: string,
  opts: { issuer?: string; anchor?: string; extensions?: Record<string, string> } = {},
): SignerIdentity {
  return {
    kind: 'certificate',
    certificateSha256: 'c'.repeat(64),
    chainTrust: opts.anchor ?? 'fulcio:https://fulcio.sigstore.dev',
    issuer: opts.issuer ?? GITHUB,
    subject,
    extensions: opts.extensions ?? {},
  };
}

const TLOG = { tlog: { logIndex: 42, integratedTime: '2026-11-23T10:00:00Z' } };

export function sig(
  digest: Digest,
  signer: SignerIdentity,
  foundIn: string,
  opts: { tlog?: boolean } = {},
): VerifiedSignature {
  return { signedDigest: digest, signer, foundIn, ...(opts.tlog === false ? {} : TLOG) };
}

export function att(
  digest: Digest,
  signer: SignerIdentity,
  foundIn: string,
  predicateType: string,
  predicate: unknown,
): VerifiedAttestation {
  return {
    signer,
    foundIn,
    statement: {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: foundIn, digest: { sha256: digest.slice('sha256:'.length) } }],
      predicateType,
      predicate,
    },
    ...TLOG,
  };
}

export function evidence(
  digest: Digest,
  items: { signatures?: VerifiedSignature[]; attestations?: VerifiedAttestation[] },
): Evidence {
  return { digest, signatures: items.signatures ?? [], attestations: items.attestations ?? [], problems: [] };
}

export function evidenceMap(...evs: Evidence[]): Map<string, Evidence> {
  return new Map(evs.map((e) => [e.digest, e]));
}
