import { type CvssResult, type VulnSeverity, scoreCvss, severityOf, severityOrder } from './cvss.js';
import type { OsvAffected, OsvEvent, OsvRange, OsvVulnerability } from './osv.js';
import { ecosystemKey, normalizeName, type PurlPackage, resolvePurl } from './package-key.js';
import { schemeForEcosystem, schemes } from './versions/registry.js';
import type { InvalidVersion, Version, VersionScheme } from './versions/scheme.js';

/**
 * Matching components against OSV records (pure): purl -> ecosystem key + normalised name -> records
 * -> OSV range evaluation ("Evaluation" in the OSV schema: events sorted by version, `introduced: 0`
 * is the beginning of time, `fixed` and `limit` exclusive, `last_affected` inclusive, plus explicit
 * `versions`). Withdrawn records are ignored; records that alias each other become one finding.
 * GIT ranges name commits, not versions, and are skipped and counted.
 */

export interface PurlComponent {
  readonly purl: string;
  /** The component's own reference in its SBOM (bom-ref / SPDXID), carried through to findings. */
  readonly ref?: string;
}

/** Anything that can list the records for one ecosystem key and normalised package name. */
export interface VulnSource {
  lookup(ecosystem: string, name: string): readonly OsvVulnerability[];
}

export interface VulnFinding {
  readonly id: string;
  /** Every other id of the same vulnerability (CVE, GHSA, PYSEC, distro ids), sorted. */
  readonly aliases: readonly string[];
  /** Upstream ids the records name (a DSA's CVEs), reported but not merged: one DSA can fix several. */
  readonly upstream: readonly string[];
  readonly purl: string;
  readonly ref: string | undefined;
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string;
  /** Versions that fix it, lowest first; empty when no fix is known. */
  readonly fixed: readonly string[];
  readonly severity: VulnSeverity;
  readonly summary: string | undefined;
}

export interface SkippedComponent {
  readonly purl: string;
  readonly reason: 'invalid-purl' | 'no-version' | 'unknown-ecosystem' | 'unparseable-version';
  readonly detail: string;
}

export interface MatchStats {
  readonly components: number;
  readonly skipped: readonly SkippedComponent[];
  /** Distinct GIT ranges met while matching, not evaluated (they name commits, not versions). */
  readonly gitRangesSkipped: number;
  /** Distinct ranges dropped because an event version did not parse in the ecosystem's scheme. */
  readonly unparseableRanges: number;
  /** Distinct withdrawn records met while matching. */
  readonly withdrawnIgnored: number;
}

export interface MatchReport {
  readonly findings: readonly VulnFinding[];
  readonly stats: MatchStats;
}

const ZERO = '0';

/** Matches components against a vulnerability source; findings sorted by purl, then id. */
export function matchComponents(components: Iterable<PurlComponent>, source: VulnSource): MatchReport {
  const ctx = new MatchContext();
  const findings: VulnFinding[] = [];
  const skipped: SkippedComponent[] = [];
  let count = 0;
  for (const component of components) {
    count++;
    const r = resolvePurl(component.purl);
    if (!r.ok) {
      skipped.push({ purl: r.purl, reason: r.reason, detail: r.detail });
      continue;
    }
    const scheme = schemeForEcosystem(r.pkg.ecosystem);
    if (scheme === undefined) {
      skipped.push({ purl: component.purl, reason: 'unknown-ecosystem', detail: r.pkg.ecosystem });
      continue;
    }
    const installed = ctx.parse(scheme, r.pkg.version);
    if (!installed.ok) {
      // OSV "Evaluation" checks the `versions` list by exact string before ranges: a legacy version
      // (PyPI's `0.9-eevee`) the scheme cannot order still matches a record that lists it verbatim.
      const exact = matchPackage(r.pkg, component.ref, source, ctx, true);
      if (exact.length > 0) findings.push(...exact);
      else
        skipped.push({
          purl: component.purl,
          reason: 'unparseable-version',
          detail: installed.invalid.reason,
        });
      continue;
    }
    findings.push(...matchPackage(r.pkg, component.ref, source, ctx));
  }
  findings.sort((a, b) =>
    a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  return {
    findings,
    stats: {
      components: count,
      skipped,
      gitRangesSkipped: ctx.gitRanges.size,
      unparseableRanges: ctx.badRanges.size,
      withdrawnIgnored: ctx.withdrawn.size,
    },
  };
}

interface Hit {
  record: OsvVulnerability;
  fixed: string[];
  severity: VulnSeverity;
}

function matchPackage(
  pkg: PurlPackage,
  ref: string | undefined,
  source: VulnSource,
  ctx: MatchContext,
  exactOnly = false,
): VulnFinding[] {
  const hits: Hit[] = [];
  for (const record of source.lookup(pkg.ecosystem, pkg.name)) {
    if (record.withdrawn !== undefined) {
      ctx.withdrawn.add(record.id);
      continue;
    }
    let hit: Hit | undefined;
    for (const affected of record.affected) {
      if (ecosystemKey(affected.ecosystem) !== pkg.ecosystem) continue;
      if (normalizeName(affected.ecosystem, affected.name) !== pkg.name) continue;
      const fixed = exactOnly
        ? affected.versions.includes(pkg.version)
          ? []
          : undefined
        : ctx.affects(affected, pkg.version);
      if (fixed === undefined) continue;
      const severity = ctx.severity(record, affected.severityLabel);
      if (hit === undefined) hit = { record, fixed: [...fixed], severity };
      else {
        hit.fixed.push(...fixed);
        if (severityOrder.indexOf(severity.level) > severityOrder.indexOf(hit.severity.level))
          hit.severity = severity;
      }
    }
    if (hit) hits.push(hit);
  }
  return mergeAliases(hits).map((group) => toFinding(group, pkg, ref, ctx));
}

// Records that share any id (GHSA-x aliases CVE-y, PYSEC-z aliases CVE-y) describe one
// vulnerability: grouped with a small union-find over ids so the report has one finding for it.
function mergeAliases(hits: Hit[]): Hit[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const h of hits) {
    parent.set(h.record.id, find(h.record.id));
    for (const a of h.record.aliases) union(h.record.id, a);
  }
  const groups = new Map<string, Hit[]>();
  for (const h of hits) {
    const root = find(h.record.id);
    const g = groups.get(root);
    if (g) g.push(h);
    else groups.set(root, [h]);
  }
  return [...groups.values()];
}

// The finding's id: a record id rather than an alias, preferring the advisory's own id over a bare
// CVE record, the smallest for a stable choice.
function primaryId(group: Hit[]): string {
  const ids = group.map((h) => h.record.id).sort();
  return ids.find((id) => !id.startsWith('CVE-')) ?? ids[0] ?? '';
}

function toFinding(group: Hit[], pkg: PurlPackage, ref: string | undefined, ctx: MatchContext): VulnFinding {
  const id = primaryId(group);
  const ids = new Set<string>();
  for (const h of group) {
    ids.add(h.record.id);
    for (const a of h.record.aliases) ids.add(a);
  }
  ids.delete(id);
  let best = group[0]?.severity ?? severityOf({ severity: [], severityLabel: undefined });
  for (const h of group) {
    const rank = severityOrder.indexOf(h.severity.level);
    const bestRank = severityOrder.indexOf(best.level);
    if (rank > bestRank || (rank === bestRank && (h.severity.score ?? -1) > (best.score ?? -1)))
      best = h.severity;
  }
  const scheme = schemeForEcosystem(pkg.ecosystem);
  const fixed = [...new Set(group.flatMap((h) => h.fixed))];
  if (scheme) fixed.sort((a, b) => ctx.compareLoose(scheme, a, b));
  const primary = group.find((h) => h.record.id === id) ?? group[0];
  return {
    id,
    aliases: [...ids].sort(),
    upstream: [...new Set(group.flatMap((h) => h.record.upstream))]
      .filter((u) => !ids.has(u) && u !== id)
      .sort(),
    purl: pkg.purl,
    ref,
    ecosystem: pkg.ecosystem,
    name: pkg.name,
    version: pkg.version,
    fixed,
    severity: best,
    summary: primary?.record.summary,
  };
}

type Parsed = { ok: true; version: Version } | { ok: false; invalid: InvalidVersion };
type SortedEvents = Array<{ e: OsvEvent; v: Version | undefined }>;

/** Parse caches and counters for one matching run. */
class MatchContext {
  // Distinct ranges, not evaluations: a range met by many components counts once.
  readonly gitRanges = new Set<OsvRange>();
  readonly badRanges = new Set<OsvRange>();
  readonly withdrawn = new Set<string>();
  readonly #cache = new Map<VersionScheme, Map<string, Parsed>>();
  readonly #cvss = new Map<string, CvssResult>();
  readonly #severity = new Map<OsvVulnerability, Map<string | undefined, VulnSeverity>>();
  // A range's events parsed and sorted once per scheme: records are shared objects (the database
  // caches them), so a package seen many times pays for its ranges once.
  readonly #ranges = new Map<OsvRange, { scheme: VersionScheme; events: SortedEvents | 'bad' }>();
  readonly #score = (vector: string): CvssResult => {
    let r = this.#cvss.get(vector);
    if (!r) {
      r = scoreCvss(vector);
      this.#cvss.set(vector, r);
    }
    return r;
  };

  severity(record: OsvVulnerability, label: string | undefined): VulnSeverity {
    let byLabel = this.#severity.get(record);
    if (!byLabel) {
      byLabel = new Map();
      this.#severity.set(record, byLabel);
    }
    let s = byLabel.get(label);
    if (!s) {
      s = severityOf(record, label, this.#score);
      byLabel.set(label, s);
    }
    return s;
  }

  parse(scheme: VersionScheme, raw: string): Parsed {
    let m = this.#cache.get(scheme);
    if (!m) {
      m = new Map();
      this.#cache.set(scheme, m);
    }
    let p = m.get(raw);
    if (!p) {
      p = scheme.parse(raw);
      m.set(raw, p);
    }
    return p;
  }

  compareLoose(scheme: VersionScheme, a: string, b: string): number {
    const x = this.parse(scheme, a);
    const y = this.parse(scheme, b);
    if (x.ok && y.ok) return x.version.compare(y.version);
    return x.ok ? -1 : y.ok ? 1 : a < b ? -1 : a > b ? 1 : 0;
  }

  /** The fixed versions above `version` if the entry affects it, undefined if it does not. */
  affects(affected: OsvAffected, version: string): string[] | undefined {
    const eco = schemeForEcosystem(affected.ecosystem);
    const fixed: string[] = [];
    let hit = false;
    for (const range of affected.ranges) {
      if (range.type === 'GIT') {
        this.gitRanges.add(range);
        continue;
      }
      // SEMVER ranges use SemVer 2.0 whatever the ecosystem; Go's scheme is SemVer that also reads
      // the `v`-prefixed versions Go purls carry.
      const scheme = range.type === 'SEMVER' ? (eco?.name === 'go' ? eco : schemes.semver) : eco;
      if (scheme === undefined) continue;
      const r = this.inRange(scheme, range, version);
      if (r === 'bad') {
        this.badRanges.add(range);
        continue;
      }
      if (r === undefined) continue;
      hit = true;
      fixed.push(...r);
    }
    if (!hit && affected.versions.length > 0 && eco !== undefined) {
      const v = this.parse(eco, version);
      hit = affected.versions.some((listed) => {
        if (listed === version) return true;
        const l = this.parse(eco, listed);
        return v.ok && l.ok && l.version.compare(v.version) === 0;
      });
    }
    return hit ? fixed : undefined;
  }

  private sortedEvents(scheme: VersionScheme, range: OsvRange): SortedEvents | 'bad' {
    const cached = this.#ranges.get(range);
    if (cached && cached.scheme === scheme) return cached.events;
    const events: SortedEvents = [];
    let bad = false;
    for (const e of range.events) {
      if (e.kind === 'introduced' && e.version === ZERO) {
        events.push({ e, v: undefined });
        continue;
      }
      if (e.kind === 'limit' && e.version === '*') continue;
      const p = this.parse(scheme, e.version);
      if (!p.ok) {
        bad = true;
        break;
      }
      events.push({ e, v: p.version });
    }
    events.sort((a, b) =>
      a.v === undefined ? (b.v === undefined ? 0 : -1) : b.v === undefined ? 1 : a.v.compare(b.v),
    );
    const result = bad ? 'bad' : events;
    this.#ranges.set(range, { scheme, events: result });
    return result;
  }

  private inRange(scheme: VersionScheme, range: OsvRange, raw: string): string[] | undefined | 'bad' {
    const v = this.parse(scheme, raw);
    if (!v.ok) return 'bad';
    const events = this.sortedEvents(scheme, range);
    if (events === 'bad') return 'bad';
    let affected = false;
    let limited = false;
    let belowLimit = false;
    for (const { e, v: ev } of events) {
      if (e.kind === 'introduced') {
        if (ev === undefined || v.version.compare(ev) >= 0) affected = true;
      } else if (e.kind === 'fixed') {
        if (ev !== undefined && v.version.compare(ev) >= 0) affected = false;
      } else if (e.kind === 'last_affected') {
        if (ev !== undefined && v.version.compare(ev) > 0) affected = false;
      } else if (ev !== undefined) {
        limited = true;
        if (v.version.compare(ev) < 0) belowLimit = true;
      }
    }
    if (!affected || (limited && !belowLimit)) return undefined;
    return events
      .filter((x) => x.e.kind === 'fixed' && x.v !== undefined && v.version.compare(x.v) < 0)
      .map((x) => x.e.version);
  }
}

/** An in-memory source over parsed records, for tests and small fixture sets. */
export function memorySource(records: Iterable<OsvVulnerability>): VulnSource {
  const index = new Map<string, OsvVulnerability[]>();
  for (const r of records) {
    const keys = new Set(
      r.affected.map((a) => `${ecosystemKey(a.ecosystem)}\u0000${normalizeName(a.ecosystem, a.name)}`),
    );
    for (const k of keys) {
      const list = index.get(k);
      if (list) list.push(r);
      else index.set(k, [r]);
    }
  }
  return { lookup: (ecosystem, name) => index.get(`${ecosystem}\u0000${name}`) ?? [] };
}
