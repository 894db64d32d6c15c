import {
  compareDigits,
  compareStrings,
  defineScheme,
  type KeyParse,
  type Ordering,
  type VersionScheme,
} from './scheme.js';

/**
 * RubyGems versions, as Gem::Version: a `-` means `.pre.`; segments are runs of digits or of letters;
 * any letter segment makes a prerelease. Ordering uses the canonical segments (trailing zeros dropped
 * from the release part and from the prerelease part), missing segments count as 0, a letter segment
 * sorts below a number, letters compare lexically.
 */
export const rubygemsScheme: VersionScheme = defineScheme('rubygems', parseGem, compareGem);

type Segment = { n: string } | { s: string };

// Gem::Version::ANCHORED_VERSION_PATTERN
const PATTERN = /^\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*$/;

function parseGem(raw: string): KeyParse<Segment[]> {
  const m = PATTERN.exec(raw);
  // Gem::Version reads a blank string as "0"; for matching, a component without a version is unknown.
  if (!m || m[1] === undefined) return { reason: 'not a Gem::Version' };
  const v = m[1].replaceAll('-', '.pre.');
  const segments: Segment[] = (v.match(/[0-9]+|[a-z]+/gi) ?? []).map((p) =>
    /^[0-9]/.test(p) ? { n: p } : { s: p },
  );
  const firstString = segments.findIndex((s) => 's' in s);
  const release = firstString === -1 ? segments : segments.slice(0, firstString);
  const pre = firstString === -1 ? [] : segments.slice(firstString);
  return { key: [...dropTrailingZeros(release), ...dropTrailingZeros(pre)] };
}

function dropTrailingZeros(segs: Segment[]): Segment[] {
  let end = segs.length;
  while (end > 0) {
    const last = segs[end - 1];
    if (last === undefined || !('n' in last) || !/^0+$/.test(last.n)) break;
    end--;
  }
  return segs.slice(0, end);
}

function compareGem(a: Segment[], b: Segment[]): Ordering {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const l = a[i] ?? { n: '0' };
    const r = b[i] ?? { n: '0' };
    if ('s' in l && 'n' in r) return -1;
    if ('n' in l && 's' in r) return 1;
    const c =
      'n' in l && 'n' in r ? compareDigits(l.n, r.n) : 's' in l && 's' in r ? compareStrings(l.s, r.s) : 0;
    if (c !== 0) return c;
  }
  return 0;
}
