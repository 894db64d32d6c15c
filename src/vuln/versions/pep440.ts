import {
  compareDigits,
  compareStrings,
  defineScheme,
  type KeyParse,
  type Ordering,
  type VersionScheme,
} from './scheme.js';

/**
 * PEP 440 (PyPI). Parsing follows the spec's canonical regular expression (Appendix B) with its
 * normalisations: case-insensitive, a leading `v`, `alpha/beta/c/pre/preview` spellings, implicit
 * post releases (`1.0-1`), `-`/`_`/`.` separators. Ordering follows the spec's "Summary of permitted
 * suffixes and relative ordering": epoch, release (trailing zeros ignored), then dev < pre < final <
 * post, and a local label sorts after the same public version.
 */
export const pep440Scheme: VersionScheme = defineScheme('pep440', parsePep440, comparePep440);

interface Pep440Key {
  epoch: string;
  release: string[];
  pre: { rank: number; n: string } | undefined;
  post: string | undefined;
  dev: string | undefined;
  local: Array<string> | undefined;
}

const PATTERN = new RegExp(
  '^\\s*v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?' +
    '\\s*$',
  'i',
);

const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

function parsePep440(raw: string): KeyParse<Pep440Key> {
  const m = PATTERN.exec(raw);
  const g = m?.groups;
  if (!g || g.release === undefined) return { reason: 'not a PEP 440 version' };
  const preL = g.pre_l?.toLowerCase();
  return {
    key: {
      epoch: g.epoch ?? '0',
      release: g.release.split('.'),
      pre: preL === undefined ? undefined : { rank: PRE_RANK[preL] ?? 0, n: g.pre_n ?? '0' },
      post: g.post === undefined ? undefined : (g.post_n1 ?? g.post_n2 ?? '0'),
      dev: g.dev === undefined ? undefined : (g.dev_n ?? '0'),
      local: g.local === undefined ? undefined : g.local.toLowerCase().split(/[-_.]/),
    },
  };
}

function compareRelease(a: string[], b: string[]): Ordering {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareDigits(a[i] ?? '0', b[i] ?? '0');
    if (c !== 0) return c;
  }
  return 0;
}

// Phase of a version around its release: a dev release of the final (1.0.dev1) comes before any
// pre-release (1.0a1), which comes before the final, so "no pre segment" ranks by whether dev is set.
function preOrder(k: Pep440Key): { rank: number; n: string } {
  if (k.pre) return k.pre;
  if (k.post === undefined && k.dev !== undefined) return { rank: -1, n: '0' };
  return { rank: 3, n: '0' };
}

function compareOptional(a: string | undefined, b: string | undefined, missing: 'low' | 'high'): Ordering {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return missing === 'low' ? -1 : 1;
  if (b === undefined) return missing === 'low' ? 1 : -1;
  return compareDigits(a, b);
}

// Local segments: numeric segments sort above alphanumeric ones, numbers numerically, strings
// lexically; a shorter local version that is a prefix of a longer one sorts first.
function compareLocal(a: string[] | undefined, b: string[] | undefined): Ordering {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    const c = xn && yn ? compareDigits(x, y) : xn ? 1 : yn ? -1 : compareStrings(x, y);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function comparePep440(a: Pep440Key, b: Pep440Key): Ordering {
  let c = compareDigits(a.epoch, b.epoch);
  if (c !== 0) return c;
  c = compareRelease(a.release, b.release);
  if (c !== 0) return c;
  const pa = preOrder(a);
  const pb = preOrder(b);
  if (pa.rank !== pb.rank) return pa.rank < pb.rank ? -1 : 1;
  c = compareDigits(pa.n, pb.n);
  if (c !== 0) return c;
  c = compareOptional(a.post, b.post, 'low');
  if (c !== 0) return c;
  c = compareOptional(a.dev, b.dev, 'high');
  if (c !== 0) return c;
  return compareLocal(a.local, b.local);
}
