import type {
  Evidence,
  SignerIdentity,
  TimingEvidence,
  VerifiedAttestation,
  VerifiedSignature,
} from './evidence.js';
import { pemTextSha256 } from './public-key.js';
import { describeMatcher, matchString, type StringMatcher } from './string-matcher.js';
import { type Check, FAILURE_REASON_RANK, type FailureReason } from './verdict.js';

/** What one authority or attestor entry accepts as a signer, in engine terms. */
export type SignerExpectation =
  | { readonly kind: 'key'; readonly spkiSha256?: string; readonly keyRef?: string }
  | {
      readonly kind: 'keyless';
      readonly trustAnchor: string;
      readonly identities: readonly { readonly issuer: StringMatcher; readonly subject: StringMatcher }[];
      readonly extensions: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'certificate'; readonly trustAnchor: string; readonly leafSha256?: string }
  | { readonly kind: 'static' };

export interface BindingExpectation {
  readonly signer: SignerExpectation;
  readonly tlogRequired: boolean;
  readonly rfc3161Required: boolean;
  /** Normalised repositories signatures may come from; empty means the image's own repository. */
  readonly repositories: readonly string[];
}

/** Trust anchor name for keyless verification against Fulcio at `url`. */
export function fulcioAnchor(url: string): string {
  return `fulcio:${url.replace(/\/+$/, '')}`;
}

/** Trust anchor name for custom PEM roots (CIP `ca-cert.data`, Kyverno `roots`, `certChain`). */
export function pemAnchor(pem: string): string {
  return `pem-sha256:${pemTextSha256(pem)}`;
}

const descriptions = new WeakMap<SignerExpectation, string>();

/** A one-line description of what a signer expectation accepts (memoised: expectations are immutable). */
export function describeSigner(e: SignerExpectation): string {
  let d = descriptions.get(e);
  if (d === undefined) {
    d = describe(e);
    descriptions.set(e, d);
  }
  return d;
}

function describe(e: SignerExpectation): string {
  switch (e.kind) {
    case 'key':
      return e.spkiSha256 ? `key spki-sha256:${e.spkiSha256.slice(0, 16)}…` : `key ${e.keyRef ?? '?'}`;
    case 'keyless':
      return `certificate from ${e.trustAnchor} with ${e.identities
        .map((i) => `issuer ${describeMatcher(i.issuer)} subject ${describeMatcher(i.subject)}`)
        .join(' or ')}${Object.keys(e.extensions).length > 0 ? ` and ${JSON.stringify(e.extensions)}` : ''}`;
    case 'certificate':
      return e.leafSha256
        ? `certificate sha256:${e.leafSha256.slice(0, 16)}…`
        : `certificate chaining to ${e.trustAnchor}`;
    case 'static':
      return 'static';
  }
}

export function describeFound(s: SignerIdentity): string {
  switch (s.kind) {
    case 'key':
      return `key spki-sha256:${s.spkiSha256.slice(0, 16)}…${s.keyRef ? ` (${s.keyRef})` : ''}`;
    case 'certificate':
      return `certificate (${s.chainTrust}) issuer "${s.issuer ?? '?'}" subject "${s.subject ?? '?'}"`;
  }
}

export function signerMatches(e: SignerExpectation, s: SignerIdentity): boolean {
  switch (e.kind) {
    case 'static':
      return false;
    case 'key':
      if (s.kind !== 'key') return false;
      if (e.spkiSha256 !== undefined) return s.spkiSha256 === e.spkiSha256;
      return e.keyRef !== undefined && s.keyRef === e.keyRef;
    case 'keyless':
      if (s.kind !== 'certificate' || s.chainTrust !== e.trustAnchor) return false;
      for (const [k, v] of Object.entries(e.extensions)) {
        if ((s.extensions as Record<string, string | undefined>)[k] !== v) return false;
      }
      return e.identities.some((i) => matchString(i.issuer, s.issuer) && matchString(i.subject, s.subject));
    case 'certificate':
      if (s.kind !== 'certificate') return false;
      if (e.leafSha256 !== undefined) return s.certificateSha256 === e.leafSha256;
      return s.chainTrust === e.trustAnchor;
  }
}

function timingOk(b: BindingExpectation, t: TimingEvidence): boolean {
  if (b.tlogRequired && !t.tlog) return false;
  if (b.rfc3161Required && !t.rfc3161Time) return false;
  return true;
}

// `repositories` and `imageRepo` arrive normalised; only the evidence side needs it.
function repoOk(b: BindingExpectation, foundIn: string, imageRepo: string): boolean {
  const found = normaliseRepo(foundIn);
  return b.repositories.length > 0 ? b.repositories.includes(found) : found === imageRepo;
}

// Repository names repeat across every decision (one per evidence item and image); normalising is a
// handful of regexp and string operations, so answers are kept, bounded: names come from workloads.
const normalised = new Map<string, string>();
const NORMALISED_MAX = 4096;

/** `docker.io/x`, `index.docker.io/x` and `x` name the same repository. */
export function normaliseRepo(r: string): string {
  const hit = normalised.get(r);
  if (hit !== undefined) return hit;
  const out = computeNormalisedRepo(r);
  if (normalised.size >= NORMALISED_MAX) normalised.clear();
  normalised.set(r, out);
  return out;
}

function computeNormalisedRepo(r: string): string {
  let s = r.replace(/^(index\.)?docker\.io\//, '');
  if (!s.includes('/')) s = `library/${s}`;
  const first = s.split('/')[0] ?? '';
  if (!(first.includes('.') || first.includes(':') || first === 'localhost')) s = `docker.io/${s}`;
  return s;
}

type SignatureAnswer = { readonly accepted: readonly VerifiedSignature[]; readonly checks: readonly Check[] };
type AttestationAnswer = {
  readonly accepted: readonly VerifiedAttestation[];
  readonly found: readonly string[];
};

/** Signatures for `digest` that the expectation accepts, with checks explaining near misses. */
export function acceptedSignatures(
  b: BindingExpectation,
  ev: Evidence | undefined,
  digest: string | undefined,
  imageRepo: string,
  /** The requirement id of this authority or entry: only its own evidence problems explain a miss. */
  requirement?: string,
): SignatureAnswer {
  return computeAcceptedSignatures(b, ev, digest, imageRepo, requirement);
}

/**
 * The evidence problems that belong to `requirement`: collectors prefix each with the id of the
 * requirement it was verifying (`<source>:<policy>:<path>: …`), and one image's evidence is merged over
 * every policy that selects it, so another policy's problem must not explain this one's verdict.
 * Problems that name no requirement concern the image itself and stay.
 */
export function problemsOf(ev: Evidence, requirement: string | undefined): readonly string[] {
  if (requirement === undefined) return ev.problems;
  return ev.problems.filter(
    (p) => p.startsWith(`${requirement}: `) || p.startsWith(`${requirement}#`) || !REQUIREMENT_PREFIX.test(p),
  );
}

const REQUIREMENT_PREFIX = /^\S*:spec\.\S*?(#[0-9a-f]+)?: /;

function computeAcceptedSignatures(
  b: BindingExpectation,
  ev: Evidence | undefined,
  digest: string | undefined,
  imageRepo: string,
  requirement: string | undefined,
): SignatureAnswer {
  const checks: Check[] = [];
  const expected = describeSigner(b.signer);
  if (!digest || !ev) {
    checks.push({
      what: 'signature',
      expected,
      found: digest ? 'no evidence collected for this digest' : 'image digest unknown',
      ok: false,
      reason: 'no-evidence',
    });
    return { accepted: [], checks };
  }
  const accepted: VerifiedSignature[] = [];
  // Near misses are described only when nothing matched: on the admit path no strings are built. The
  // check's reason is the closest miss: a trusted signature without its log entry is not "untrusted".
  const misses: (() => string)[] = [];
  let closest: FailureReason | undefined;
  const miss = (reason: FailureReason, text: () => string) => {
    misses.push(text);
    if (closest === undefined || FAILURE_REASON_RANK[reason] > FAILURE_REASON_RANK[closest]) closest = reason;
  };
  for (const s of ev.signatures) {
    // Defence in depth: evidence verified for another digest must never count for this one.
    if (s.signedDigest !== digest) {
      miss('no-signatures', () => `signature for another digest ${s.signedDigest}`);
      continue;
    }
    if (!signerMatches(b.signer, s.signer)) {
      miss('untrusted-signer', () => describeFound(s.signer));
      continue;
    }
    if (!repoOk(b, s.foundIn, imageRepo)) {
      miss('wrong-repository', () => `${describeFound(s.signer)} but stored in ${s.foundIn}`);
      continue;
    }
    if (!timingOk(b, s)) {
      const noLog = b.tlogRequired && !s.tlog;
      miss(
        noLog ? 'no-tlog-entry' : 'no-timestamp',
        () => `${describeFound(s.signer)} without ${noLog ? 'transparency-log entry' : 'RFC 3161 timestamp'}`,
      );
      continue;
    }
    accepted.push(s);
  }
  const first = accepted[0];
  const expectedText = b.tlogRequired ? `${expected}, in the transparency log` : expected;
  if (first) {
    checks.push({ what: 'signature', expected: expectedText, found: describeFound(first.signer), ok: true });
    return { accepted, checks };
  }
  const problems = problemsOf(ev, requirement);
  checks.push({
    what: 'signature',
    expected: expectedText,
    found:
      misses.length > 0
        ? misses.map((m) => m()).join('; ')
        : `no verified signatures${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`,
    ok: false,
    reason: closest ?? 'no-signatures',
  });
  return { accepted, checks };
}

/** Attestations of `predicateType` for `digest` that the expectation accepts. */
export function acceptedAttestations(
  b: BindingExpectation,
  ev: Evidence | undefined,
  digest: string | undefined,
  imageRepo: string,
  predicateType: string,
): AttestationAnswer {
  if (!digest || !ev)
    return { accepted: [], found: [digest ? 'no evidence collected' : 'image digest unknown'] };
  return computeAcceptedAttestations(b, ev, digest, imageRepo, predicateType);
}

function computeAcceptedAttestations(
  b: BindingExpectation,
  ev: Evidence,
  digest: string,
  imageRepo: string,
  predicateType: string,
): AttestationAnswer {
  const colon = digest.indexOf(':');
  const alg = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const accepted: VerifiedAttestation[] = [];
  const misses: (() => string)[] = [];
  for (const a of ev.attestations) {
    if (a.statement.predicateType !== predicateType) {
      misses.push(() => `predicate type ${a.statement.predicateType}`);
      continue;
    }
    if (!a.statement.subject.some((s) => s.digest[alg] === hex)) {
      misses.push(() => `${predicateType} about another subject`);
      continue;
    }
    if (!signerMatches(b.signer, a.signer) || !repoOk(b, a.foundIn, imageRepo) || !timingOk(b, a)) {
      misses.push(() => `${predicateType} signed by ${describeFound(a.signer)}`);
      continue;
    }
    accepted.push(a);
  }
  // Described only when read, which callers do only when nothing was accepted.
  return {
    accepted,
    get found() {
      return misses.map((m) => m());
    },
  };
}
