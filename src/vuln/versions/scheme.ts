import { VouchError } from '../../errors.js';

export type Ordering = -1 | 0 | 1;

/** A version that parsed in its scheme; comparable only with versions of the same scheme. */
export interface Version {
  readonly raw: string;
  readonly scheme: SchemeName;
  compare(other: Version): Ordering;
}

/** Why a string is not a version in a scheme: a value, so callers can count and report it. */
export interface InvalidVersion {
  readonly raw: string;
  readonly scheme: SchemeName;
  readonly reason: string;
}

export type VersionParse = { ok: true; version: Version } | { ok: false; invalid: InvalidVersion };

export type SchemeName =
  | 'semver'
  | 'go'
  | 'pep440'
  | 'maven'
  | 'rubygems'
  | 'composer'
  | 'nuget'
  | 'debian'
  | 'alpine'
  | 'rpm';

/** One ecosystem's version ordering. Every implementation runs the same contract suite. */
export interface VersionScheme {
  readonly name: SchemeName;
  parse(raw: string): VersionParse;
  /**
   * Orders two version strings.
   * @throws INPUT_MALFORMED when either string is not a version in this scheme
   */
  compare(a: string, b: string): Ordering;
}

export const MAX_VERSION_LENGTH = 256;

/** Parsers return their key, or a string saying why the input is not a version. */
export type KeyParse<K> = { key: K } | { reason: string };

/**
 * Builds a scheme from a key parser and a key ordering. The key stays private to the scheme's own
 * Version class, so two versions of different schemes can never be compared by accident.
 */
export function defineScheme<K>(
  name: SchemeName,
  parseKey: (raw: string) => KeyParse<K>,
  compareKeys: (a: K, b: K) => Ordering,
): VersionScheme {
  class SchemeVersion implements Version {
    readonly scheme = name;
    readonly #key: K;
    constructor(
      readonly raw: string,
      key: K,
    ) {
      this.#key = key;
    }
    compare(other: Version): Ordering {
      if (!(other instanceof SchemeVersion)) {
        throw new VouchError('INTERNAL', `cannot compare a ${name} version with a ${other.scheme} version`);
      }
      return compareKeys(this.#key, other.#key);
    }
  }
  const parse = (raw: string): VersionParse => {
    // Versions come from SBOMs and advisories anyone can write; no real version is this long, and the
    // cap keeps every scheme's regular expressions on short input.
    if (raw.length > MAX_VERSION_LENGTH) {
      return {
        ok: false,
        invalid: {
          raw: raw.slice(0, 64),
          scheme: name,
          reason: `longer than ${MAX_VERSION_LENGTH} characters`,
        },
      };
    }
    const r = parseKey(raw);
    if ('reason' in r) return { ok: false, invalid: { raw, scheme: name, reason: r.reason } };
    return { ok: true, version: new SchemeVersion(raw, r.key) };
  };
  const strict = (raw: string): Version => {
    const p = parse(raw);
    if (!p.ok) {
      throw new VouchError(
        'INPUT_MALFORMED',
        `version "${raw}" is not a ${name} version: ${p.invalid.reason}`,
      );
    }
    return p.version;
  };
  return { name, parse, compare: (a, b) => strict(a).compare(strict(b)) };
}

/** Sign of a number as an Ordering. */
export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * Compares two strings of ASCII digits as unbounded non-negative integers, so versions such as
 * 20230101120000 or 99999999999999999999 never lose precision in a double.
 */
export function compareDigits(a: string, b: string): Ordering {
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return s.slice(i);
}

/** Byte-wise (ASCII) string ordering, independent of locale. */
export function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}
