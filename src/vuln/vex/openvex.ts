import { createHash } from 'node:crypto';
import { VouchError } from '../../errors.js';
import {
  VEX_JUSTIFICATIONS,
  VEX_STATUSES,
  type VexProduct,
  type VexStatement,
  type VexStatus,
} from './model.js';

/**
 * OpenVEX 0.2.0 (https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md): parse into statements,
 * create a one-statement document, merge documents. Parsing validates the whole document and lists
 * every bad field (INPUT_MALFORMED with `fields`), so a user fixes a VEX file in one pass. The spec's
 * own constraints are enforced: `not_affected` needs a justification or an impact_statement,
 * `affected` needs an action_statement.
 */

export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The OpenVEX document as vouch writes it (field order fixed so output is byte-stable). */
export interface OpenVexDocument {
  '@context': string;
  '@id': string;
  author: string;
  timestamp: string;
  last_updated?: string;
  version: number;
  tooling?: string;
  statements: OpenVexStatementJson[];
}

export interface OpenVexStatementJson {
  vulnerability: { name: string; aliases?: string[] };
  timestamp?: string;
  products: Array<{ '@id': string; subcomponents?: Array<{ '@id': string }> }>;
  status: VexStatus;
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
}

/** True when a parsed JSON value looks like an OpenVEX document (its @context names openvex). */
export function isOpenVex(doc: unknown): boolean {
  return (
    isObj(doc) && typeof doc['@context'] === 'string' && doc['@context'].startsWith('https://openvex.dev/ns')
  );
}

function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function productOf(p: unknown, at: string, bad: string[]): VexProduct | undefined {
  if (!isObj(p)) {
    bad.push(at);
    return undefined;
  }
  const ids = (x: Obj): string[] => {
    const out: string[] = [];
    const id = str(x['@id']);
    if (id) out.push(id);
    const identifiers = x['identifiers'];
    if (isObj(identifiers))
      for (const v of Object.values(identifiers)) if (typeof v === 'string') out.push(v);
    return out;
  };
  const own = ids(p);
  if (own.length === 0) {
    bad.push(`${at}.@id`);
    return undefined;
  }
  const subs: string[] = [];
  const sc = p['subcomponents'];
  if (sc !== undefined) {
    if (!Array.isArray(sc)) bad.push(`${at}.subcomponents`);
    else
      for (const [j, s] of sc.entries()) {
        const sid = isObj(s) ? ids(s) : [];
        if (sid.length === 0) bad.push(`${at}.subcomponents[${j}].@id`);
        subs.push(...sid);
      }
  }
  // A product named by several identifiers (an @id plus identifiers.purl) matches on any of them.
  return { ids: own, subcomponents: subs };
}

/**
 * Parses an OpenVEX document into statements; `seqStart` numbers them after already-loaded documents.
 * @throws INPUT_MALFORMED listing every bad field
 */
export function parseOpenVex(doc: unknown, where: string, seqStart = 0): VexStatement[] {
  const bad: string[] = [];
  if (!isObj(doc))
    throw new VouchError('INPUT_MALFORMED', `${where}: OpenVEX document is not an object`, { fields: ['$'] });
  if (!isOpenVex(doc)) bad.push('@context');
  const docTime = time(doc['last_updated']) ?? time(doc['timestamp']);
  if (time(doc['timestamp']) === undefined) bad.push('timestamp');
  const statements = doc['statements'];
  const out: VexStatement[] = [];
  if (!Array.isArray(statements)) bad.push('statements');
  else
    for (const [i, s] of statements.entries()) {
      const at = `statements[${i}]`;
      if (!isObj(s)) {
        bad.push(at);
        continue;
      }
      const v = s['vulnerability'];
      // 0.0.x documents name the vulnerability with a bare string; 0.2.0 uses an object.
      const names: string[] = [];
      if (typeof v === 'string' && v !== '') names.push(v);
      else if (isObj(v)) {
        const n = str(v['name']) ?? str(v['@id']);
        if (n) names.push(n);
        const aliases = v['aliases'];
        if (Array.isArray(aliases)) for (const a of aliases) if (typeof a === 'string') names.push(a);
      }
      if (names.length === 0) bad.push(`${at}.vulnerability.name`);
      const products: VexProduct[] = [];
      const ps = s['products'];
      if (!Array.isArray(ps) || ps.length === 0) bad.push(`${at}.products`);
      else
        for (const [j, p] of ps.entries()) {
          const prod = productOf(p, `${at}.products[${j}]`, bad);
          if (prod) products.push(prod);
        }
      const status = s['status'];
      if (typeof status !== 'string' || !(VEX_STATUSES as readonly string[]).includes(status)) {
        bad.push(`${at}.status`);
        continue;
      }
      const justification = str(s['justification']);
      const impactStatement = str(s['impact_statement']);
      const actionStatement = str(s['action_statement']);
      if (justification !== undefined && !(VEX_JUSTIFICATIONS as readonly string[]).includes(justification))
        bad.push(`${at}.justification`);
      if (status === 'not_affected' && justification === undefined && impactStatement === undefined)
        bad.push(`${at}.justification`);
      if (status === 'affected' && actionStatement === undefined) bad.push(`${at}.action_statement`);
      const t = time(s['last_updated']) ?? time(s['timestamp']) ?? docTime;
      if (s['timestamp'] !== undefined && time(s['timestamp']) === undefined) bad.push(`${at}.timestamp`);
      out.push({
        vulnerability: names,
        products,
        status: status as VexStatus,
        justification,
        impactStatement,
        actionStatement,
        time: t ?? 0,
        origin: `${where}#${at}`,
        seq: seqStart + i,
      });
    }
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `${where}: invalid OpenVEX document (${bad.join(', ')})`, {
      fields: bad,
      hint: 'see https://github.com/openvex/spec (not_affected needs justification or impact_statement)',
    });
  }
  return out;
}

export interface CreateVexOptions {
  products: readonly string[];
  vulnerability: string;
  aliases?: readonly string[];
  subcomponents?: readonly string[];
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  actionStatement?: string;
  author: string;
  /** The document time, from the caller's clock or SOURCE_DATE_EPOCH. */
  now: Date;
  id?: string;
}

/** Content-derived document id (as vexctl does, a public URL under openvex.dev/docs). */
function documentId(doc: Omit<OpenVexDocument, '@id'>): string {
  const h = createHash('sha256').update(JSON.stringify(doc)).digest('hex');
  return `https://openvex.dev/docs/public/vex-${h}`;
}

function finish(doc: Omit<OpenVexDocument, '@id'>, id: string | undefined): OpenVexDocument {
  return {
    '@context': doc['@context'],
    '@id': id ?? documentId(doc),
    author: doc.author,
    timestamp: doc.timestamp,
    ...(doc.last_updated ? { last_updated: doc.last_updated } : {}),
    version: doc.version,
    ...(doc.tooling ? { tooling: doc.tooling } : {}),
    statements: doc.statements,
  };
}

/**
 * Creates a one-statement OpenVEX document, validated by the same parser that reads documents.
 * @throws INPUT_MALFORMED (e.g. not_affected without justification or impact statement)
 */
export function createOpenVex(o: CreateVexOptions): OpenVexDocument {
  const ts = o.now.toISOString();
  const subs = o.subcomponents ?? [];
  const statement: OpenVexStatementJson = {
    vulnerability: {
      name: o.vulnerability,
      ...(o.aliases && o.aliases.length > 0 ? { aliases: [...o.aliases] } : {}),
    },
    timestamp: ts,
    products: o.products.map((p) => ({
      '@id': p,
      ...(subs.length > 0 ? { subcomponents: subs.map((s) => ({ '@id': s })) } : {}),
    })),
    status: o.status,
    ...(o.justification ? { justification: o.justification } : {}),
    ...(o.impactStatement ? { impact_statement: o.impactStatement } : {}),
    ...(o.actionStatement ? { action_statement: o.actionStatement } : {}),
  };
  const doc = finish(
    {
      '@context': OPENVEX_CONTEXT,
      author: o.author,
      timestamp: ts,
      version: 1,
      tooling: 'vouch',
      statements: [statement],
    },
    o.id,
  );
  parseOpenVex(doc, 'vex create');
  return doc;
}

/**
 * Merges OpenVEX documents into one: every statement, each carrying its effective timestamp, sorted
 * by time then vulnerability so the output does not depend on argument order.
 * @throws INPUT_MALFORMED when an input is not a valid OpenVEX document
 */
export function mergeOpenVex(
  docs: ReadonlyArray<{ doc: unknown; where: string }>,
  o: { author: string; now: Date; id?: string },
): OpenVexDocument {
  const statements: Array<{ json: OpenVexStatementJson; time: number }> = [];
  for (const { doc, where } of docs) {
    parseOpenVex(doc, where);
    const d = doc as Obj;
    const docTs = str(d['last_updated']) ?? str(d['timestamp']);
    for (const s of d['statements'] as Obj[]) {
      const copy = structuredClone(s) as unknown as OpenVexStatementJson & { last_updated?: string };
      const ts = copy.last_updated ?? copy.timestamp ?? docTs;
      if (ts !== undefined && copy.timestamp === undefined) copy.timestamp = ts;
      statements.push({ json: copy, time: ts ? Date.parse(ts) : 0 });
    }
  }
  statements.sort((a, b) => a.time - b.time || cmp(a.json.vulnerability.name, b.json.vulnerability.name));
  return finish(
    {
      '@context': OPENVEX_CONTEXT,
      author: o.author,
      timestamp: o.now.toISOString(),
      version: 1,
      tooling: 'vouch',
      statements: statements.map((s) => s.json),
    },
    o.id,
  );
}

function cmp(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
