import { compareDigits, defineScheme, type KeyParse, type Ordering, type VersionScheme } from './scheme.js';

/**
 * Composer (Packagist) versions, after Composer's VersionParser::normalize: an optional `v`, up to
 * four numeric parts (padded with zeros) or a date version (`2010-01-02`, `20100102-203040`), build
 * metadata and an ` as` alias ignored, then an optional stability suffix, ordered as Composer's
 * constraints order them: dev < alpha < beta < RC < stable < patch (`pl`, `p`), each with an
 * optional number. Branch names (`dev-main`, `1.x-dev`) are not versions and do not parse.
 */
export const composerScheme: VersionScheme = defineScheme('composer', parseComposer, compareComposer);

interface ComposerKey {
  release: string[];
  stability: number;
  n: string[];
}

const STABILITY: Record<string, number> = {
  dev: 0,
  alpha: 1,
  a: 1,
  beta: 2,
  b: 2,
  rc: 3,
  stable: 4,
  patch: 5,
  pl: 5,
  p: 5,
};

// composer/semver VersionParser::normalize: the classical form, then the date form; both take the
// stability modifier.
const MODIFIER = '(?:[._-]?(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\\d+)*)?)?(?:[.-]?(dev))?';
const PATTERN = new RegExp(`^v?(\\d+(?:\\.\\d+){0,3})${MODIFIER}$`, 'i');
const DATE_PATTERN = new RegExp(`^v?(\\d{4}(?:[.:-]?\\d{2}){1,6}(?:[.:-]?\\d{1,3}){0,2})${MODIFIER}$`, 'i');

/**
 * What normalize() strips before parsing: an ` as <alias>` suffix (`1.0.0+foo as 2.0`) and build
 * metadata (`1.0.0-beta.5+foo`), which takes no part in ordering; metadata with a space is refused.
 */
function stripAliasAndMetadata(raw: string): string {
  let v = raw.trim();
  const alias = /^(\S+) +as +\S+$/.exec(v);
  if (alias?.[1] !== undefined) v = alias[1];
  const meta = /^([^,\s+]+)\+\S+$/.exec(v);
  return meta?.[1] !== undefined ? meta[1] : v;
}

function parseComposer(raw: string): KeyParse<ComposerKey> {
  const text = stripAliasAndMetadata(raw);
  const m = PATTERN.exec(text) ?? DATE_PATTERN.exec(text);
  if (!m || m[1] === undefined) return { reason: 'not a Composer version' };
  const release = m[1].split(/[.:-]/);
  while (release.length < 4) release.push('0');
  const label = m[2]?.toLowerCase();
  const n = (m[3] ?? '').split(/[.-]/).filter((p) => p !== '');
  // `1.0.0-beta2-dev` is the development line leading to beta2: below beta2 itself.
  if (m[4] !== undefined)
    return { key: { release, stability: label ? (STABILITY[label] ?? 4) - 0.5 : 0, n } };
  return { key: { release, stability: label ? (STABILITY[label] ?? 4) : 4, n } };
}

function compareComposer(a: ComposerKey, b: ComposerKey): Ordering {
  const parts = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < parts; i++) {
    const c = compareDigits(a.release[i] ?? '0', b.release[i] ?? '0');
    if (c !== 0) return c;
  }
  if (a.stability !== b.stability) return a.stability < b.stability ? -1 : 1;
  const n = Math.max(a.n.length, b.n.length);
  for (let i = 0; i < n; i++) {
    const c = compareDigits(a.n[i] ?? '0', b.n[i] ?? '0');
    if (c !== 0) return c;
  }
  return 0;
}
