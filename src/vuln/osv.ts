import { VouchError } from '../errors.js';

/**
 * OSV schema records (ossf/osv-schema, schema 1.x), parsed defensively: the database is built from
 * files anyone can publish, so every field is checked, each bad field is listed by path, unknown
 * fields are ignored, and a record is unusable only when it has no valid `id` or `modified`.
 * A bad `affected` entry, range or event is dropped (and listed) without losing the rest.
 */

export type OsvRangeType = 'SEMVER' | 'ECOSYSTEM' | 'GIT';
export type OsvEventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

export interface OsvEvent {
  readonly kind: OsvEventKind;
  readonly version: string;
}

export interface OsvRange {
  readonly type: OsvRangeType;
  readonly events: readonly OsvEvent[];
}

export interface OsvAffected {
  readonly ecosystem: string;
  readonly name: string;
  readonly purl: string | undefined;
  readonly ranges: readonly OsvRange[];
  readonly versions: readonly string[];
  /** A qualitative label from ecosystem_specific / database_specific (GHSA severity, Debian urgency). */
  readonly severityLabel: string | undefined;
}

export interface OsvSeverity {
  /** CVSS_V2, CVSS_V3, CVSS_V4, or a database's own type such as Ubuntu. */
  readonly type: string;
  readonly score: string;
}

export interface OsvVulnerability {
  readonly id: string;
  readonly modified: string;
  readonly published: string | undefined;
  readonly withdrawn: string | undefined;
  readonly aliases: readonly string[];
  readonly related: readonly string[];
  /** Upstream vulnerabilities this one derives from (OSV 1.7; Debian and Alpine put their CVE here). */
  readonly upstream: readonly string[];
  readonly summary: string | undefined;
  readonly details: string | undefined;
  readonly severity: readonly OsvSeverity[];
  readonly affected: readonly OsvAffected[];
  /** Top-level database_specific.severity (GitHub advisories: LOW, MODERATE, HIGH, CRITICAL). */
  readonly severityLabel: string | undefined;
}

export type OsvParse =
  | { ok: true; record: OsvVulnerability; problems: readonly string[] }
  | { ok: false; problems: readonly string[] };

// Caps per record: real records stay far below these (the largest PyPI `versions` lists have a few
// thousand entries); a record past them is treated as hostile rather than half-read.
const MAX_LIST = 50_000;
const MAX_STRING = 1_000_000;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const RANGE_TYPES: ReadonlySet<string> = new Set(['SEMVER', 'ECOSYSTEM', 'GIT']);
const EVENT_KINDS: readonly OsvEventKind[] = ['introduced', 'fixed', 'last_affected', 'limit'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, max = MAX_STRING): v is string {
  return typeof v === 'string' && v.length <= max;
}

function optionalString(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  problems: string[],
): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (str(v)) return v;
  problems.push(`${path}.${key}`);
  return undefined;
}

function stringList(v: unknown, path: string, problems: string[], pattern?: RegExp): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > MAX_LIST) {
    problems.push(path);
    return [];
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    if (str(item, 1024) && item.length > 0 && (pattern === undefined || pattern.test(item))) out.push(item);
    else problems.push(`${path}[${i}]`);
  });
  return out;
}

/** Non-empty and free of C0 control characters. */
function printable(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return false;
  return true;
}

function labelOf(v: unknown): string | undefined {
  if (!isObject(v)) return undefined;
  for (const key of ['severity', 'urgency']) {
    const s = v[key];
    if (str(s, 64) && s.length > 0) return s;
  }
  return undefined;
}

function parseRange(v: unknown, path: string, problems: string[]): OsvRange | undefined {
  if (!isObject(v) || !str(v.type) || !RANGE_TYPES.has(v.type)) {
    problems.push(`${path}.type`);
    return undefined;
  }
  if (!Array.isArray(v.events) || v.events.length === 0 || v.events.length > MAX_LIST) {
    problems.push(`${path}.events`);
    return undefined;
  }
  const events: OsvEvent[] = [];
  v.events.forEach((e, i) => {
    const kinds = isObject(e) ? EVENT_KINDS.filter((k) => e[k] !== undefined) : [];
    const kind = kinds[0];
    const version = isObject(e) && kind !== undefined ? e[kind] : undefined;
    // The schema requires exactly one of the four keys per event object.
    if (kinds.length !== 1 || kind === undefined || !str(version, 256) || version.length === 0) {
      problems.push(`${path}.events[${i}]`);
      return;
    }
    events.push({ kind, version });
  });
  if (!events.some((e) => e.kind === 'introduced')) {
    problems.push(`${path}.events`);
    return undefined;
  }
  return { type: v.type as OsvRangeType, events };
}

function parseAffected(v: unknown, path: string, problems: string[]): OsvAffected | undefined {
  if (!isObject(v)) {
    problems.push(path);
    return undefined;
  }
  const pkg = v.package;
  // Names become index keys joined by NUL and newline: control characters are never part of a real name.
  if (
    !isObject(pkg) ||
    !str(pkg.ecosystem, 128) ||
    !str(pkg.name, 1024) ||
    !printable(pkg.ecosystem) ||
    !printable(pkg.name)
  ) {
    problems.push(`${path}.package`);
    return undefined;
  }
  const ranges: OsvRange[] = [];
  if (v.ranges !== undefined) {
    if (!Array.isArray(v.ranges) || v.ranges.length > MAX_LIST) problems.push(`${path}.ranges`);
    else
      v.ranges.forEach((r, i) => {
        const range = parseRange(r, `${path}.ranges[${i}]`, problems);
        if (range) ranges.push(range);
      });
  }
  return {
    ecosystem: pkg.ecosystem,
    name: pkg.name,
    purl: optionalString(pkg, 'purl', `${path}.package`, problems),
    ranges,
    versions: stringList(v.versions, `${path}.versions`, problems),
    severityLabel: labelOf(v.ecosystem_specific) ?? labelOf(v.database_specific),
  };
}

/** Parses one OSV record; a usable record may still come with a list of dropped fields. */
export function parseOsv(input: unknown): OsvParse {
  const problems: string[] = [];
  if (!isObject(input)) return { ok: false, problems: ['$'] };
  const id = input.id;
  const modified = input.modified;
  if (!str(id) || !ID.test(id)) problems.push('$.id');
  if (!str(modified, 64) || Number.isNaN(Date.parse(modified))) problems.push('$.modified');
  if (!str(id) || !ID.test(id) || !str(modified, 64) || Number.isNaN(Date.parse(modified))) {
    return { ok: false, problems };
  }
  const severity: OsvSeverity[] = [];
  if (input.severity !== undefined && input.severity !== null) {
    if (!Array.isArray(input.severity) || input.severity.length > 100) problems.push('$.severity');
    else
      input.severity.forEach((s, i) => {
        if (isObject(s) && str(s.type, 64) && str(s.score, 1024))
          severity.push({ type: s.type, score: s.score });
        else problems.push(`$.severity[${i}]`);
      });
  }
  // RustSec records carry their CVSS vector in database_specific.cvss rather than in `severity`: a
  // severity source like any other, used when the record names no CVSS of its own.
  const dbCvss = isObject(input.database_specific) ? input.database_specific['cvss'] : undefined;
  if (str(dbCvss, 1024) && !severity.some((s) => s.type.startsWith('CVSS_'))) {
    const type = dbCvss.startsWith('CVSS:4')
      ? 'CVSS_V4'
      : dbCvss.startsWith('CVSS:3')
        ? 'CVSS_V3'
        : undefined;
    if (type !== undefined) severity.push({ type, score: dbCvss });
  }
  const affected: OsvAffected[] = [];
  if (input.affected !== undefined && input.affected !== null) {
    if (!Array.isArray(input.affected) || input.affected.length > MAX_LIST) problems.push('$.affected');
    else
      input.affected.forEach((a, i) => {
        const parsed = parseAffected(a, `$.affected[${i}]`, problems);
        if (parsed) affected.push(parsed);
      });
  }
  const withdrawn = optionalString(input, 'withdrawn', '$', problems);
  return {
    ok: true,
    problems,
    record: {
      id,
      modified,
      published: optionalString(input, 'published', '$', problems),
      withdrawn,
      aliases: stringList(input.aliases, '$.aliases', problems, ID).filter((a) => a !== id),
      related: stringList(input.related, '$.related', problems, ID),
      upstream: stringList(input.upstream, '$.upstream', problems, ID),
      summary: optionalString(input, 'summary', '$', problems),
      details: optionalString(input, 'details', '$', problems),
      severity,
      affected,
      severityLabel: labelOf(input.database_specific),
    },
  };
}

/**
 * Parses one OSV record, refusing it if it is unusable.
 * @throws INPUT_MALFORMED listing the bad fields
 */
export function assertOsv(input: unknown, what = 'OSV record'): OsvVulnerability {
  const r = parseOsv(input);
  if (!r.ok) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not a usable OSV record (${r.problems.join(', ')})`, {
      fields: r.problems,
      hint: 'an OSV record needs at least a string "id" and an RFC 3339 "modified" time',
    });
  }
  return r.record;
}
