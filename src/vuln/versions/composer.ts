import { compareDigits, defineScheme, type KeyParse, type Ordering, type VersionScheme } from './scheme.js';

/**
 * Composer (Packagist) versions, after Composer's VersionParser::normalize: an optional `v`, up to
 * four numeric parts (padded with zeros), then an optional stability suffix, ordered as Composer's
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

const PATTERN =
  /^v?(\d+(?:\.\d+){0,3})(?:[._-]?(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?(?:[.-]?(dev))?$/i;

function parseComposer(raw: string): KeyParse<ComposerKey> {
  const m = PATTERN.exec(raw.trim());
  if (!m || m[1] === undefined) return { reason: 'not a Composer version' };
  const release = m[1].split('.');
  while (release.length < 4) release.push('0');
  const label = m[2]?.toLowerCase();
  const n = (m[3] ?? '').split(/[.-]/).filter((p) => p !== '');
  // `1.0.0-beta2-dev` is the development line leading to beta2: below beta2 itself.
  if (m[4] !== undefined)
    return { key: { release, stability: label ? (STABILITY[label] ?? 4) - 0.5 : 0, n } };
  return { key: { release, stability: label ? (STABILITY[label] ?? 4) : 4, n } };
}

function compareComposer(a: ComposerKey, b: ComposerKey): Ordering {
  for (let i = 0; i < 4; i++) {
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
