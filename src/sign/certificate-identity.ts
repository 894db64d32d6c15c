import type { X509Certificate as NodeX509 } from 'node:crypto';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import { describeCause, VouchError } from '../errors.js';
import { compileGoRegexp, type LinearRegexp } from '../go-regexp.js';

/**
 * Fulcio certificate extension OIDs (sigstore/fulcio docs/oid-info.md). The 1.1-1.6 extensions hold
 * raw bytes of a string; from 1.8 on, values are DER UTF8Strings.
 */
export const FulcioOid = {
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  githubWorkflowTrigger: '1.3.6.1.4.1.57264.1.2',
  githubWorkflowSha: '1.3.6.1.4.1.57264.1.3',
  githubWorkflowName: '1.3.6.1.4.1.57264.1.4',
  githubWorkflowRepository: '1.3.6.1.4.1.57264.1.5',
  githubWorkflowRef: '1.3.6.1.4.1.57264.1.6',
  otherNameSan: '1.3.6.1.4.1.57264.1.7',
  issuerV2: '1.3.6.1.4.1.57264.1.8',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  buildTrigger: '1.3.6.1.4.1.57264.1.20',
} as const;

/** Who a certificate says signed: its SANs and the Fulcio claims, decoded. */
export interface CertificateIdentity {
  /** Every SAN value vouch matches against (email, URI, Fulcio OtherName). */
  sans: string[];
  issuer?: string;
  githubWorkflowTrigger?: string;
  githubWorkflowSha?: string;
  githubWorkflowName?: string;
  githubWorkflowRepository?: string;
  githubWorkflowRef?: string;
}

/** What a verifier expects of the signer (cosign's --certificate-* flags). */
export interface IdentityConstraints {
  subject?: string;
  subjectRegExp?: string;
  issuer?: string;
  issuerRegExp?: string;
  githubWorkflowTrigger?: string;
  githubWorkflowSha?: string;
  githubWorkflowName?: string;
  githubWorkflowRepository?: string;
  githubWorkflowRef?: string;
}

/**
 * Reads the signer identity out of a certificate. A v1 extension wins over its v2 counterpart only
 * for the issuer when v2 is absent, matching cosign (which prefers the v2 issuer). GitHub workflow
 * fields come from the v1 extensions cosign checks, falling back to the v2 source-repository claims
 * when a certificate carries only those (newer Fulcio no longer emits the v1 ones).
 * @throws INPUT_MALFORMED
 */
export function readCertificateIdentity(cert: NodeX509, what: string): CertificateIdentity {
  let c: SigstoreX509;
  try {
    c = SigstoreX509.parse(cert.raw);
  } catch (e) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${what}: cannot read certificate extensions: ${describeCause(e)}`,
      {
        cause: e,
      },
    );
  }
  const raw = (oid: string): string | undefined => {
    const ext = c.extension(oid);
    return ext ? Buffer.from(ext.value).toString('utf8') : undefined;
  };
  const der = (oid: string): string | undefined => {
    const ext = c.extension(oid);
    return ext ? derUtf8String(Buffer.from(ext.value), `${what}: extension ${oid}`) : undefined;
  };
  const san = c.extSubjectAltName;
  const sans = [san?.rfc822Name, san?.uri, san?.otherName(FulcioOid.otherNameSan)].filter(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  const v2Repo = der(FulcioOid.sourceRepositoryUri);
  const id: CertificateIdentity = { sans };
  const set = (k: keyof Omit<CertificateIdentity, 'sans'>, v: string | undefined): void => {
    if (v !== undefined) id[k] = v;
  };
  set('issuer', der(FulcioOid.issuerV2) ?? raw(FulcioOid.issuerV1));
  set('githubWorkflowTrigger', raw(FulcioOid.githubWorkflowTrigger) ?? der(FulcioOid.buildTrigger));
  set('githubWorkflowSha', raw(FulcioOid.githubWorkflowSha) ?? der(FulcioOid.sourceRepositoryDigest));
  set('githubWorkflowName', raw(FulcioOid.githubWorkflowName));
  // v1 holds "owner/repo"; the v2 claim is the full URL, so strip the server for a like-for-like match.
  set(
    'githubWorkflowRepository',
    raw(FulcioOid.githubWorkflowRepository) ??
      (v2Repo ? v2Repo.replace(/^https:\/\/[^/]+\//, '') : undefined),
  );
  set('githubWorkflowRef', raw(FulcioOid.githubWorkflowRef) ?? der(FulcioOid.sourceRepositoryRef));
  return id;
}

/** Decodes a DER UTF8String (tag 12), the encoding of Fulcio's v2 extension values. */
function derUtf8String(b: Buffer, what: string): string {
  if (b.length < 2 || b[0] !== 0x0c) throw new VouchError('INPUT_MALFORMED', `${what}: not a DER UTF8String`);
  let len = b[1] as number;
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || b.length < 2 + n)
      throw new VouchError('INPUT_MALFORMED', `${what}: bad DER length`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (b[2 + i] as number);
    off = 2 + n;
  }
  if (off + len !== b.length) throw new VouchError('INPUT_MALFORMED', `${what}: DER length does not match`);
  return b.subarray(off).toString('utf8');
}

/**
 * Compiles a constraint regexp. cosign uses Go's regexp.MatchString, which is unanchored; we keep those
 * semantics so policies port unchanged (write ^…$ to anchor, as cosign's docs advise).
 * @throws USAGE
 */
function compile(pattern: string, flag: string): LinearRegexp {
  const c = compileGoRegexp(pattern);
  if (!c.ok) throw new VouchError('USAGE', `${flag}: invalid regular expression: ${c.error}`);
  return c.re;
}

/**
 * Lists every way the identity fails the constraints (empty: it matches). Each entry reads
 * "certificate <what> `found` != expected `want`".
 * @throws USAGE (an invalid regexp)
 */
export function identityMismatches(id: CertificateIdentity, c: IdentityConstraints): string[] {
  const out: string[] = [];
  const shown = id.sans.length > 0 ? id.sans.join(', ') : '(none)';
  if (c.subject !== undefined && !id.sans.includes(c.subject)) {
    out.push(`certificate identity ${shown} != expected ${c.subject}`);
  }
  if (c.subjectRegExp !== undefined) {
    const re = compile(c.subjectRegExp, '--certificate-identity-regexp');
    if (!id.sans.some((s) => re.test(s)))
      out.push(`certificate identity ${shown} does not match /${c.subjectRegExp}/`);
  }
  if (c.issuer !== undefined && id.issuer !== c.issuer) {
    out.push(`certificate OIDC issuer ${id.issuer ?? '(none)'} != expected ${c.issuer}`);
  }
  if (c.issuerRegExp !== undefined) {
    const re = compile(c.issuerRegExp, '--certificate-oidc-issuer-regexp');
    if (id.issuer === undefined || !re.test(id.issuer)) {
      out.push(`certificate OIDC issuer ${id.issuer ?? '(none)'} does not match /${c.issuerRegExp}/`);
    }
  }
  const gh: Array<[keyof IdentityConstraints & keyof CertificateIdentity, string]> = [
    ['githubWorkflowTrigger', 'GitHub workflow trigger'],
    ['githubWorkflowSha', 'GitHub workflow sha'],
    ['githubWorkflowName', 'GitHub workflow name'],
    ['githubWorkflowRepository', 'GitHub workflow repository'],
    ['githubWorkflowRef', 'GitHub workflow ref'],
  ];
  for (const [k, label] of gh) {
    const want = c[k];
    if (want !== undefined && id[k] !== want)
      out.push(`certificate ${label} ${id[k] ?? '(none)'} != expected ${want}`);
  }
  return out;
}

/** True when no constraint is set: keyless verification without any identity is refused by callers. */
export function hasIdentityConstraint(c: IdentityConstraints): boolean {
  return (
    (c.subject !== undefined || c.subjectRegExp !== undefined) &&
    (c.issuer !== undefined || c.issuerRegExp !== undefined)
  );
}
