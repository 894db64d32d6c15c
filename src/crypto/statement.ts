import { VouchError } from '../errors.js';
import { type Digest, digestAlgorithm, digestHex } from '../digest.js';

export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** What cosign attest writes to this day. */
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';

export type StatementType = typeof STATEMENT_V1 | typeof STATEMENT_V01;

export interface StatementSubject {
  name: string;
  /** Algorithm -> lowercase hex (in-toto DigestSet). */
  digest: Record<string, string>;
}

/** An in-toto Statement (v1 or v0.1; the two differ only in `_type`). */
export interface Statement {
  _type: StatementType;
  subject: StatementSubject[];
  predicateType: string;
  predicate: unknown;
}

/** Upper bound on subjects: a statement about more artifacts than this is not one vouch will walk. */
export const STATEMENT_SUBJECTS_MAX = 1024;

/**
 * Builds a statement about one image: subject name is the repository (no tag, as cosign writes it),
 * digest the image digest. v1 unless the caller asks for cosign's v0.1.
 */
export function buildStatement(input: {
  subjectName: string;
  digest: Digest;
  predicateType: string;
  predicate: unknown;
  type?: StatementType;
}): Statement {
  return {
    _type: input.type ?? STATEMENT_V1,
    subject: [
      { name: input.subjectName, digest: { [digestAlgorithm(input.digest)]: digestHex(input.digest) } },
    ],
    predicateType: input.predicateType,
    predicate: input.predicate,
  };
}

/**
 * Parses statement bytes (a verified DSSE payload) strictly, listing every bad field.
 * @throws ATTESTATION_INVALID
 */
export function parseStatement(bytes: Uint8Array, what: string): Statement {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new VouchError('ATTESTATION_INVALID', `${what}: statement is not JSON`, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new VouchError('ATTESTATION_INVALID', `${what}: statement is not a JSON object`);
  }
  const d = doc as Record<string, unknown>;
  const bad: string[] = [];
  const type = d['_type'];
  if (type !== STATEMENT_V1 && type !== STATEMENT_V01)
    bad.push(`_type (must be ${STATEMENT_V1} or ${STATEMENT_V01})`);
  const subject: StatementSubject[] = [];
  const subj = d['subject'];
  if (!Array.isArray(subj) || subj.length === 0) bad.push('subject (must be a non-empty array)');
  else if (subj.length > STATEMENT_SUBJECTS_MAX) bad.push(`subject (more than ${STATEMENT_SUBJECTS_MAX})`);
  else {
    subj.forEach((s, i) => {
      const r = typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : undefined;
      const name = r?.['name'];
      const digest = r?.['digest'];
      // in-toto v1 ResourceDescriptor: name is optional (protojson omits it when empty, as in the
      // statements cosign 3 signs images with); the digest is what binds the subject.
      if (name !== undefined && typeof name !== 'string') bad.push(`subject[${i}].name (must be a string)`);
      if (
        typeof digest !== 'object' ||
        digest === null ||
        Array.isArray(digest) ||
        Object.keys(digest).length === 0 ||
        !Object.values(digest).every((v) => typeof v === 'string' && /^[0-9a-fA-F]+$/.test(v))
      ) {
        bad.push(`subject[${i}].digest (must map algorithms to hex)`);
      } else if (name === undefined || typeof name === 'string') {
        subject.push({ name: name ?? '', digest: digest as Record<string, string> });
      }
    });
  }
  const predicateType = d['predicateType'];
  if (typeof predicateType !== 'string' || predicateType.length === 0)
    bad.push('predicateType (must be a non-empty string)');
  if (bad.length > 0) {
    throw new VouchError('ATTESTATION_INVALID', `${what}: invalid in-toto statement: ${bad.join('; ')}`, {
      fields: bad,
    });
  }
  return {
    _type: type as StatementType,
    subject,
    predicateType: predicateType as string,
    predicate: d['predicate'],
  };
}

/** True when some subject names `digest` (hex compared case-insensitively, per in-toto DigestSet). */
export function statementCoversDigest(statement: Statement, digest: Digest): boolean {
  const alg = digestAlgorithm(digest);
  const hex = digestHex(digest);
  return statement.subject.some((s) => s.digest[alg]?.toLowerCase() === hex);
}

/** The subject digests as OCI digest strings, for messages. */
export function statementDigests(statement: Statement): string[] {
  return statement.subject.flatMap((s) => Object.entries(s.digest).map(([a, h]) => `${a}:${h}`));
}
