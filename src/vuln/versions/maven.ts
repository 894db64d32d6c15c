import {
  compareDigits,
  compareStrings,
  defineScheme,
  type KeyParse,
  type Ordering,
  type VersionScheme,
} from './scheme.js';

/**
 * Maven versions, ordered as org.apache.maven.artifact.versioning.ComparableVersion (Maven 3) does:
 * the string splits on `.`, `-` and digit/letter transitions into int and string items; a `-` or a
 * transition opens a nested list; trailing "null" items (0, "", ga, final, release) are trimmed from
 * each list; known qualifiers order alpha < beta < milestone < rc = cr < snapshot < "" = ga = final =
 * release < sp, unknown qualifiers after those, lexically. `a1`/`b1`/`m1` are alpha-1/beta-1/milestone-1.
 */
export const mavenScheme: VersionScheme = defineScheme('maven', parseMaven, compareItems);

type Item = { t: 'int'; v: string } | { t: 'str'; v: string } | { t: 'list'; v: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = '5';

function stringItem(value: string, followedByDigit: boolean): Item {
  let v = value;
  if (followedByDigit && v.length === 1) {
    if (v === 'a') v = 'alpha';
    else if (v === 'b') v = 'beta';
    else if (v === 'm') v = 'milestone';
  }
  return { t: 'str', v: ALIASES[v] ?? v };
}

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function parseItem(isDigit: boolean, buf: string): Item {
  return isDigit ? { t: 'int', v: buf } : stringItem(buf, false);
}

function isNull(item: Item): boolean {
  switch (item.t) {
    case 'int':
      return /^0+$/.test(item.v);
    case 'str':
      return comparableQualifier(item.v) === RELEASE_INDEX;
    case 'list':
      return item.v.length === 0;
  }
}

function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i];
    if (last === undefined) break;
    if (isNull(last)) list.splice(i, 1);
    else if (last.t !== 'list') break;
  }
}

function parseMaven(raw: string): KeyParse<Item> {
  const version = raw.trim().toLowerCase();
  if (version.length === 0) return { reason: 'empty version' };
  // ComparableVersion accepts any string; versions on Maven Central are printable ASCII, and anything
  // else (control characters, other scripts' digits) is refused rather than given a made-up order.
  if (!/^[\x21-\x7e]+$/.test(version))
    return { reason: 'contains whitespace, control or non-ASCII characters' };
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  let isDigit = false;
  let start = 0;
  const open = (): void => {
    const next: Item[] = [];
    list.push({ t: 'list', v: next });
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < version.length; i++) {
    const c = version.charAt(i);
    if (c === '.') {
      list.push(i === start ? { t: 'int', v: '0' } : parseItem(isDigit, version.slice(start, i)));
      start = i + 1;
    } else if (c === '-') {
      list.push(i === start ? { t: 'int', v: '0' } : parseItem(isDigit, version.slice(start, i)));
      start = i + 1;
      open();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        list.push(stringItem(version.slice(start, i), true));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, version.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (version.length > start) list.push(parseItem(isDigit, version.slice(start)));
  for (let l = stack.pop(); l !== undefined; l = stack.pop()) normalize(l);
  return { key: { t: 'list', v: root } };
}

// Item.compareTo(null) in ComparableVersion: how an item compares with a missing counterpart.
function compareWithNull(item: Item): Ordering {
  switch (item.t) {
    case 'int':
      return /^0+$/.test(item.v) ? 0 : 1;
    case 'str':
      return compareStrings(comparableQualifier(item.v), RELEASE_INDEX);
    case 'list': {
      const first = item.v[0];
      return first === undefined ? 0 : compareWithNull(first);
    }
  }
}

function compareItems(a: Item, b: Item): Ordering {
  switch (a.t) {
    case 'int':
      return b.t === 'int' ? compareDigits(a.v, b.v) : 1;
    case 'str':
      if (b.t === 'int' || b.t === 'list') return -1;
      return compareStrings(comparableQualifier(a.v), comparableQualifier(b.v));
    case 'list': {
      if (b.t === 'int') return -1;
      if (b.t === 'str') return 1;
      const n = Math.max(a.v.length, b.v.length);
      for (let i = 0; i < n; i++) {
        const l = a.v[i];
        const r = b.v[i];
        let c: Ordering;
        if (l === undefined) c = r === undefined ? 0 : negate(compareWithNull(r));
        else c = r === undefined ? compareWithNull(l) : compareItems(l, r);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

function negate(o: Ordering): Ordering {
  return o === 0 ? 0 : o === 1 ? -1 : 1;
}
