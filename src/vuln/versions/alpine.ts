import {
  compareDigits,
  compareStrings,
  defineScheme,
  type KeyParse,
  type Ordering,
  type VersionScheme,
} from './scheme.js';

/**
 * Alpine apk versions (apk-tools src/version.c; also Wolfi and Chainguard): dot-separated numbers,
 * an optional single letter, `_suffix[N]` parts where alpha < beta < pre < rc sort before the bare
 * version and cvs < svn < git < hg < p after it, an optional `~hash`, then `-rN`. When two versions
 * agree on a common prefix, the longer one is newer unless its next part is a pre-release suffix,
 * following the token order digit < letter < suffix < revision < end.
 */
export const alpineScheme: VersionScheme = defineScheme('alpine', parseApk, compareApk);

type Token =
  | { t: 0; v: string } // digit
  | { t: 1; v: string } // letter
  | { t: 2; rank: number; n: string } // suffix (rank < 0: pre-release)
  | { t: 3; v: string }; // revision

const SUFFIXES: Record<string, number> = {
  alpha: -4,
  beta: -3,
  pre: -2,
  rc: -1,
  cvs: 1,
  svn: 2,
  git: 3,
  hg: 4,
  p: 5,
};
const PATTERN = /^(\d+(?:\.\d+)*)([a-z]?)((?:_[a-z]+\d*)*)(?:~[0-9a-f]+)?(?:-r(\d+))?$/;

function parseApk(raw: string): KeyParse<Token[]> {
  const m = PATTERN.exec(raw.trim());
  if (!m || m[1] === undefined) return { reason: 'not an apk version' };
  const tokens: Token[] = m[1].split('.').map((v) => ({ t: 0, v }));
  if (m[2]) tokens.push({ t: 1, v: m[2] });
  for (const part of (m[3] ?? '').split('_').slice(1)) {
    const s = /^([a-z]+)(\d*)$/.exec(part);
    const rank = s?.[1] === undefined ? undefined : SUFFIXES[s[1]];
    if (rank === undefined) return { reason: `unknown suffix _${part}` };
    tokens.push({ t: 2, rank, n: s?.[2] || '0' });
  }
  if (m[4] !== undefined) tokens.push({ t: 3, v: m[4] });
  return { key: tokens };
}

function compareToken(a: Token, b: Token): Ordering {
  if (a.t === 0 && b.t === 0) return compareDigits(a.v, b.v);
  if (a.t === 1 && b.t === 1) return compareStrings(a.v, b.v);
  if (a.t === 2 && b.t === 2) return a.rank !== b.rank ? (a.rank < b.rank ? -1 : 1) : compareDigits(a.n, b.n);
  if (a.t === 3 && b.t === 3) return compareDigits(a.v, b.v);
  return 0;
}

function compareApk(a: Token[], b: Token[]): Ordering {
  const n = Math.min(a.length, b.length);
  let i = 0;
  for (; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || x.t !== y.t) break;
    const c = compareToken(x, y);
    if (c !== 0) return c;
  }
  const x = a[i];
  const y = b[i];
  if (x === undefined && y === undefined) return 0;
  if (x?.t === 2 && x.rank < 0) return -1;
  if (y?.t === 2 && y.rank < 0) return 1;
  const xt = x === undefined ? 4 : x.t;
  const yt = y === undefined ? 4 : y.t;
  return xt > yt ? -1 : xt < yt ? 1 : 0;
}
