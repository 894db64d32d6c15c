/**
 * YAML exactly as helm writes its provenance message block: sigs.k8s.io/yaml's Marshal, which goes
 * through JSON and then go-yaml v2 (v2.4 formatting). A `.prov` file is signed bytes, so a chart signed
 * by vouch carries the same message block helm would write for it only if the emitter makes the same
 * choices: map keys in go-yaml's order, sequences flush with their key, a scalar plain when it would
 * read back as the same string under YAML 1.1, else single- then double-quoted, literal blocks for text
 * with line breaks, and long scalars folded at spaces past column 80 (go-yaml's best_width).
 *
 * Only the shapes of chart metadata are supported: maps, sequences, strings, booleans and integers.
 */

export type GoYamlValue = string | boolean | number | readonly GoYamlValue[] | GoYamlMap;
export interface GoYamlMap {
  readonly [key: string]: GoYamlValue;
}

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

/** go-yaml v2's keyList.Less for string keys: letters by code point, digit runs numerically, non-letters first. */
export function goKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const isLetter = (c: string) => /\p{L}/u.test(c);
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] ?? '';
    const bc = br[i] ?? '';
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return ac < bc;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ac < bc;
  }
  return ar.length < br.length;
}

const BOOL_OR_NULL = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '~',
  'null',
  'Null',
  'NULL',
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
  '<<',
]);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]*|0[bB][01]+|[1-9][0-9]*|0)$/;
const TIMESTAMP =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]| )[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{0,9})?(?:Z|[-+][0-9]{2}:[0-9]{2})?)?$/;

/** True when go-yaml v2 would read `s`, unquoted, as a string (resolve() gives !!str). */
function resolvesToString(s: string): boolean {
  if (s === '' || BOOL_OR_NULL.has(s)) return false;
  const c = s[0] ?? '';
  if (/[-+.0-9]/.test(c)) {
    const plain = s.replaceAll('_', '');
    if (GO_INT.test(plain) || YAML_FLOAT.test(plain)) return false;
    if (/^[-+]?0[bB][01]+$/.test(plain)) return false;
    if (/[0-9]/.test(c) && TIMESTAMP.test(s) && validTimestamp(s)) return false;
  }
  return true;
}

function validTimestamp(s: string): boolean {
  const m = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})/.exec(s);
  if (!m) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

const isBreak = (c: string) => c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
const isBlankz = (c: string | undefined) => c === undefined || c === '\0' || isBlank(c) || isBreak(c);

function isPrintable(c: string): boolean {
  const cp = c.codePointAt(0) ?? 0;
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  flowPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

/** yaml_emitter_analyze_scalar. */
function analyze(value: string): Analysis {
  if (value.length === 0)
    return {
      multiline: false,
      flowPlainAllowed: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  const chars = [...value];
  let flowIndicators = false;
  let blockIndicators = false;
  if (value.startsWith('---') || value.startsWith('...')) {
    flowIndicators = true;
    blockIndicators = true;
  }
  let precededByWhitespace = true;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    const followedByWhitespace = isBlankz(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) {
        flowIndicators = true;
        blockIndicators = true;
      } else if (c === '?' || c === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (c === '-' && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else if (',?[]{}'.includes(c)) flowIndicators = true;
    else if (c === ':') {
      flowIndicators = true;
      if (followedByWhitespace) blockIndicators = true;
    } else if (c === '#' && precededByWhitespace) {
      flowIndicators = true;
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankz(c);
  }
  const a: Analysis = {
    multiline: lineBreaks,
    flowPlainAllowed: true,
    blockPlainAllowed: true,
    singleQuotedAllowed: true,
    blockAllowed: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    a.flowPlainAllowed = false;
    a.blockPlainAllowed = false;
  }
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace) {
    a.flowPlainAllowed = false;
    a.blockPlainAllowed = false;
    a.singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    a.flowPlainAllowed = false;
    a.blockPlainAllowed = false;
    a.singleQuotedAllowed = false;
    a.blockAllowed = false;
  }
  if (lineBreaks) {
    a.flowPlainAllowed = false;
    a.blockPlainAllowed = false;
  }
  if (flowIndicators) a.flowPlainAllowed = false;
  if (blockIndicators) a.blockPlainAllowed = false;
  return a;
}

/** The output being written, with go-yaml's column bookkeeping. */
class Out {
  text = '';
  column = 0;
  whitespace = true;
  indention = true;

  put(s: string): void {
    this.text += s;
    this.column += [...s].length;
  }
  breakLine(): void {
    this.text += '\n';
    this.column = 0;
  }
  /** yaml_emitter_write_indent. */
  indent(indent: number): void {
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.breakLine();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }
}

type Style = 'plain' | 'single' | 'double' | 'literal';

function selectStyle(s: string, simpleKey: boolean): Style {
  const a = analyze(s);
  let style: Style = s.includes('\n')
    ? 'literal'
    : resolvesToString(s) && !BASE60_FLOAT.test(s)
      ? 'plain'
      : 'double';
  if (style === 'plain') {
    if (!a.blockPlainAllowed || (simpleKey && a.multiline)) style = 'single';
    if (s.length === 0 && simpleKey) style = 'single';
  }
  if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!a.blockAllowed || simpleKey)) style = 'double';
  return style;
}

function writePlain(out: Out, s: string, indent: number, allowBreaks: boolean): void {
  if (!out.whitespace) out.put(' ');
  const chars = [...s];
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (c === ' ') {
      if (allowBreaks && !spaces && out.column > BEST_WIDTH && chars[i + 1] !== ' ') out.indent(indent);
      else out.put(c);
      spaces = true;
    } else {
      out.put(c);
      spaces = false;
    }
    out.indention = false;
  }
  out.whitespace = false;
  out.indention = false;
}

function writeSingle(out: Out, s: string, indent: number, allowBreaks: boolean): void {
  if (!out.whitespace) out.put(' ');
  out.put("'");
  out.whitespace = false;
  out.indention = false;
  const chars = [...s];
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (c === ' ') {
      if (
        allowBreaks &&
        !spaces &&
        out.column > BEST_WIDTH &&
        i !== 0 &&
        i !== chars.length - 1 &&
        chars[i + 1] !== ' '
      )
        out.indent(indent);
      else out.put(c);
      spaces = true;
    } else {
      out.put(c === "'" ? "''" : c);
      out.indention = false;
      spaces = false;
    }
  }
  out.put("'");
  out.whitespace = false;
  out.indention = false;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\u0085': 'N',
  '\u00a0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

function writeDouble(out: Out, s: string, indent: number, allowBreaks: boolean): void {
  if (!out.whitespace) out.put(' ');
  out.put('"');
  out.whitespace = false;
  out.indention = false;
  const chars = [...s];
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    const cp = c.codePointAt(0) ?? 0;
    if (!isPrintable(c) || c === '\ufeff' || isBreak(c) || c === '"' || c === '\\') {
      const e = ESCAPES[c];
      if (e) out.put(`\\${e}`);
      else if (cp <= 0xff) out.put(`\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`);
      else if (cp <= 0xffff) out.put(`\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`);
      else out.put(`\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`);
      spaces = false;
    } else if (c === ' ') {
      if (allowBreaks && !spaces && out.column > BEST_WIDTH && i !== 0 && i !== chars.length - 1) {
        out.indent(indent);
        if (chars[i + 1] === ' ') out.put('\\');
      } else out.put(c);
      spaces = true;
    } else {
      out.put(c);
      spaces = false;
    }
  }
  out.put('"');
  out.whitespace = false;
  out.indention = false;
}

function writeLiteral(out: Out, s: string, indent: number): void {
  if (!out.whitespace) out.put(' ');
  out.put('|');
  const chars = [...s];
  if (chars[0] === ' ' || isBreak(chars[0] ?? '')) out.put(String(BEST_INDENT));
  const last = chars[chars.length - 1] ?? '';
  if (!isBreak(last)) out.put('-');
  else if (chars.length === 1 || isBreak(chars[chars.length - 2] ?? '')) out.put('+');
  out.breakLine();
  out.indention = true;
  out.whitespace = true;
  let breaks = true;
  for (const c of chars) {
    if (isBreak(c)) {
      out.breakLine();
      out.indention = true;
      breaks = true;
    } else {
      if (breaks) {
        out.indent(indent);
        breaks = false;
      }
      out.put(c);
      out.indention = false;
    }
  }
  out.whitespace = false;
}

function scalar(out: Out, s: string, indent: number, simpleKey: boolean): void {
  const style = selectStyle(s, simpleKey);
  const allowBreaks = !simpleKey;
  if (style === 'plain') writePlain(out, s, indent, allowBreaks);
  else if (style === 'single') writeSingle(out, s, indent, allowBreaks);
  else if (style === 'double') writeDouble(out, s, indent, allowBreaks);
  else writeLiteral(out, s, indent);
}

function isMap(v: GoYamlValue): v is GoYamlMap {
  return typeof v === 'object' && !Array.isArray(v);
}

function node(out: Out, v: GoYamlValue, indent: number, inSequence: boolean): void {
  if (typeof v === 'string') scalar(out, v, indent + BEST_INDENT, false);
  else if (typeof v === 'boolean' || typeof v === 'number') {
    if (!out.whitespace) out.put(' ');
    out.put(String(v));
    out.whitespace = false;
    out.indention = false;
  } else if (Array.isArray(v)) {
    if (v.length === 0) {
      if (!out.whitespace) out.put(' ');
      out.put('[]');
      out.whitespace = false;
      return;
    }
    // go-yaml v2 writes a sequence inside a mapping flush with the key ("indentless").
    const seqIndent = inSequence ? indent + BEST_INDENT : indent;
    for (const item of v) {
      out.indent(seqIndent);
      out.put('-');
      out.whitespace = false;
      out.indention = false;
      node(out, item, seqIndent, true);
    }
  } else if (isMap(v)) {
    const keys = Object.keys(v).sort((a, b) => (goKeyLess(a, b) ? -1 : goKeyLess(b, a) ? 1 : 0));
    if (keys.length === 0) {
      if (!out.whitespace) out.put(' ');
      out.put('{}');
      out.whitespace = false;
      return;
    }
    const mapIndent = inSequence ? indent + BEST_INDENT : indent;
    let first = true;
    for (const k of keys) {
      const value = v[k];
      if (value === undefined) continue;
      if (first && inSequence) {
        // "- key: value": the first key follows the dash on the same line.
        out.put(' ');
        out.whitespace = true;
        out.indention = true;
        out.column = mapIndent;
      } else out.indent(mapIndent);
      first = false;
      scalar(out, k, mapIndent, true);
      out.put(':');
      out.whitespace = false;
      out.indention = false;
      const nested =
        (Array.isArray(value) && value.length > 0) || (isMap(value) && Object.keys(value).length > 0);
      if (nested && isMap(value)) node(out, value, mapIndent + BEST_INDENT, false);
      else node(out, value, mapIndent, false);
    }
  }
}

/** `sigs.k8s.io/yaml.Marshal` of a JSON-shaped value, byte for byte for the supported shapes. */
export function marshalGoYaml(v: GoYamlMap): string {
  const out = new Out();
  if (Object.keys(v).length === 0) return '{}\n';
  node(out, v, 0, false);
  if (!out.text.endsWith('\n')) out.breakLine();
  return out.text;
}
