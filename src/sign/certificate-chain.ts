import type { X509Certificate } from 'node:crypto';

/** Extended key usage a signing certificate must carry (RFC 5280 id-kp-codeSigning), as cosign requires. */
export const EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

/** Longest path walked from leaf to root; Fulcio's is leaf -> intermediate -> root. */
export const CHAIN_DEPTH_MAX = 6;

/** Trusted roots, and intermediates known to the verifier (a trusted_root.json's CA chains). */
export interface CertificateAuthorities {
  roots: readonly X509Certificate[];
  intermediates?: readonly X509Certificate[];
}

export type ChainResult = { ok: true; path: X509Certificate[] } | { ok: false; reason: string };

function validAt(c: X509Certificate, at: Date): boolean {
  const t = at.getTime();
  return Date.parse(c.validFrom) <= t && t <= Date.parse(c.validTo);
}

function issues(parent: X509Certificate, child: X509Certificate): boolean {
  // checkIssued compares names (and key ids); verify checks the signature itself.
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

/**
 * Builds and checks a path from `leaf` to a trusted root at time `at` (the signing time, not "now":
 * Fulcio certificates live ten minutes). `untrusted` are the chain certificates that came with the
 * signature: they may fill the path but never end it. Every certificate on the path must be valid at
 * `at`, CAs must be CAs, and the leaf must allow code signing.
 */
export function verifyCertificateChain(
  leaf: X509Certificate,
  untrusted: readonly X509Certificate[],
  cas: CertificateAuthorities,
  at: Date,
): ChainResult {
  if (!validAt(leaf, at)) {
    return {
      ok: false,
      reason: `certificate expired at signing time: valid ${leaf.validFrom} to ${leaf.validTo}, signed at ${at.toISOString()}`,
    };
  }
  if (leaf.ca) return { ok: false, reason: 'signing certificate is a CA certificate' };
  const eku = leaf.keyUsage;
  if (eku !== undefined && !eku.includes(EKU_CODE_SIGNING)) {
    return { ok: false, reason: 'signing certificate does not allow code signing (extended key usage)' };
  }
  const pool = [...(cas.intermediates ?? []), ...untrusted];
  const path: X509Certificate[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < CHAIN_DEPTH_MAX; depth++) {
    const root = cas.roots.find((r) => issues(r, current));
    if (root) {
      if (!validAt(root, at))
        return { ok: false, reason: `root ${root.subject} was not valid at signing time` };
      path.push(root);
      return { ok: true, path };
    }
    const next = pool.find(
      (p) => p.ca && !path.some((q) => q.fingerprint256 === p.fingerprint256) && issues(p, current),
    );
    if (!next) {
      return {
        ok: false,
        reason: `certificate chain to an untrusted root: no trusted CA issued "${current.issuer.replace(/\n/g, ', ')}"`,
      };
    }
    if (!validAt(next, at)) {
      return {
        ok: false,
        reason: `intermediate ${next.subject.replace(/\n/g, ', ')} was not valid at signing time`,
      };
    }
    path.push(next);
    current = next;
  }
  return { ok: false, reason: `certificate chain longer than ${CHAIN_DEPTH_MAX}` };
}
