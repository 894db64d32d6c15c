import { VouchError } from '../errors.js';
import type { PublicKeyDict } from './keys.js';

/**
 * in-toto v0.9/v1.0 classic metadata (the specification's section 4, as the reference implementation
 * reads it): a link records one step's materials, products, command and byproducts; a layout names
 * the steps, who may perform each, what each may consume and produce, and inspections run at
 * verification time. Parsing lists every bad field by path and never yields a half-checked object.
 */

/** path → {algorithm → hex digest}. A Map, so an artifact named `__proto__` is just a name. */
export type ArtifactMap = ReadonlyMap<string, Readonly<Record<string, string>>>;

export interface Link {
  readonly _type: 'link';
  readonly name: string;
  readonly materials: ArtifactMap;
  readonly products: ArtifactMap;
  readonly byproducts: Readonly<Record<string, unknown>>;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, unknown>>;
}

/** One rule as written in a layout: `["MATCH", "foo.py", "WITH", "PRODUCTS", "FROM", "clone"]`. */
export type RuleText = readonly string[];

export interface SupplyChainItem {
  readonly name: string;
  readonly expected_materials: readonly RuleText[];
  readonly expected_products: readonly RuleText[];
}

export interface Step extends SupplyChainItem {
  readonly _type: 'step';
  readonly pubkeys: readonly string[];
  readonly expected_command: readonly string[];
  readonly threshold: number;
}

export interface Inspection extends SupplyChainItem {
  readonly _type: 'inspection';
  readonly run: readonly string[];
}

export interface LayoutKey extends PublicKeyDict {
  readonly subkeys?: Readonly<Record<string, unknown>>;
}

export interface Layout {
  readonly _type: 'layout';
  readonly expires: string;
  readonly readme: string;
  readonly keys: ReadonlyMap<string, LayoutKey>;
  readonly steps: readonly Step[];
  readonly inspect: readonly Inspection[];
}

/** Limits for metadata from outside: a link over 10,000s of artifacts stays well below these. */
export const INTOTO_LIMITS = {
  metadataMaxBytes: 64 * 1024 * 1024,
  artifactsPerLinkMax: 1_000_000,
  stepsMax: 1_000,
  rulesPerItemMax: 10_000,
  sublayoutDepthMax: 8,
} as const;

type Bad = string[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strList(v: unknown, path: string, bad: Bad): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    bad.push(`${path} (must be a list of strings)`);
    return [];
  }
  return v as string[];
}

const HEX = /^[0-9a-fA-F]+$/;

function artifacts(v: unknown, path: string, bad: Bad): ArtifactMap {
  const out = new Map<string, Record<string, string>>();
  if (!isObject(v)) {
    bad.push(`${path} (must be an object of path → hashes)`);
    return out;
  }
  const entries = Object.entries(v);
  if (entries.length > INTOTO_LIMITS.artifactsPerLinkMax) {
    bad.push(`${path} (more than ${INTOTO_LIMITS.artifactsPerLinkMax} artifacts)`);
    return out;
  }
  for (const [name, hashes] of entries) {
    if (!isObject(hashes) || Object.keys(hashes).length === 0) {
      bad.push(`${path}[${JSON.stringify(name)}] (must be an object of algorithm → hex digest)`);
      continue;
    }
    const h: Record<string, string> = {};
    for (const [algo, hex] of Object.entries(hashes)) {
      if (typeof hex !== 'string' || !HEX.test(hex))
        bad.push(`${path}[${JSON.stringify(name)}].${algo} (must be hex)`);
      else h[algo] = hex;
    }
    out.set(name, h);
  }
  return out;
}

/** @throws INPUT_MALFORMED listing every bad field */
export function parseLink(v: unknown, what: string): Link {
  const bad: Bad = [];
  if (!isObject(v)) throw new VouchError('INPUT_MALFORMED', `${what}: a link must be a JSON object`);
  if (v['_type'] !== 'link') bad.push('_type (must be "link")');
  const name = v['name'];
  if (typeof name !== 'string') bad.push('name (must be a string)');
  const materials = artifacts(v['materials'] ?? {}, 'materials', bad);
  const products = artifacts(v['products'] ?? {}, 'products', bad);
  const byproducts = v['byproducts'] ?? {};
  if (!isObject(byproducts)) bad.push('byproducts (must be an object)');
  const environment = v['environment'] ?? {};
  if (!isObject(environment)) bad.push('environment (must be an object)');
  const command = strList(v['command'] ?? [], 'command', bad);
  if (bad.length > 0) throw malformed(what, 'link', bad);
  return {
    _type: 'link',
    name: name as string,
    materials,
    products,
    byproducts: byproducts as Record<string, unknown>,
    command,
    environment: environment as Record<string, unknown>,
  };
}

/**
 * Step and inspection names become file names (`NAME.KEYID8.link`, sublayout directories), so a name
 * that is a path is refused: the reference implementation would join it onto the link directory.
 */
const SAFE_NAME = /^[^/\\\0]+$/;

function itemName(v: unknown, path: string, bad: Bad): string {
  if (typeof v !== 'string' || v.length === 0) {
    bad.push(`${path}.name (must be a non-empty string)`);
    return '';
  }
  if (!SAFE_NAME.test(v) || v === '.' || v === '..') {
    bad.push(
      `${path}.name (${JSON.stringify(v)} is a path; a step or inspection name must be a plain file name)`,
    );
  }
  return v;
}

function rules(v: unknown, path: string, bad: Bad): RuleText[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    bad.push(`${path} (must be a list of rules)`);
    return [];
  }
  if (v.length > INTOTO_LIMITS.rulesPerItemMax) {
    bad.push(`${path} (more than ${INTOTO_LIMITS.rulesPerItemMax} rules)`);
    return [];
  }
  return v.map((r, i) => strList(r, `${path}[${i}]`, bad));
}

function parseKey(keyid: string, v: unknown, bad: Bad): LayoutKey | undefined {
  const path = `keys[${JSON.stringify(keyid)}]`;
  if (!HEX.test(keyid)) bad.push(`${path} (a keyid must be hex)`);
  if (!isObject(v)) {
    bad.push(`${path} (must be a key object)`);
    return undefined;
  }
  const keyval = v['keyval'];
  const pub = isObject(keyval) ? keyval['public'] : undefined;
  if (typeof v['keytype'] !== 'string' || typeof v['scheme'] !== 'string' || typeof pub !== 'string') {
    bad.push(`${path} (must have keytype, scheme and keyval.public strings)`);
    return undefined;
  }
  return {
    keyid: typeof v['keyid'] === 'string' ? v['keyid'] : keyid,
    keytype: v['keytype'],
    scheme: v['scheme'],
    keyval: { public: pub },
    ...(isObject(v['subkeys']) ? { subkeys: v['subkeys'] } : {}),
  };
}

/** The reference's expiry format (securesystemslib ISO8601_DATETIME_SCHEMA): `YYYY-MM-DDTHH:MM:SSZ`. */
const EXPIRES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** @throws INPUT_MALFORMED listing every bad field */
export function parseLayout(v: unknown, what: string): Layout {
  const bad: Bad = [];
  if (!isObject(v)) throw new VouchError('INPUT_MALFORMED', `${what}: a layout must be a JSON object`);
  if (v['_type'] !== 'layout') bad.push('_type (must be "layout")');
  const expires = v['expires'];
  if (typeof expires !== 'string' || !EXPIRES.test(expires) || Number.isNaN(Date.parse(expires))) {
    bad.push('expires (must be an ISO 8601 UTC time such as 2030-01-01T00:00:00Z)');
  }
  const readme = v['readme'] ?? '';
  if (typeof readme !== 'string') bad.push('readme (must be a string)');
  const keys = new Map<string, LayoutKey>();
  const rawKeys = v['keys'] ?? {};
  if (!isObject(rawKeys)) bad.push('keys (must be an object of keyid → key)');
  else
    for (const [id, k] of Object.entries(rawKeys)) {
      const key = parseKey(id, k, bad);
      if (key) keys.set(id, key);
    }
  const names = new Set<string>();
  const steps: Step[] = [];
  const rawSteps = v['steps'] ?? [];
  if (!Array.isArray(rawSteps)) bad.push('steps (must be a list)');
  else if (rawSteps.length > INTOTO_LIMITS.stepsMax) bad.push(`steps (more than ${INTOTO_LIMITS.stepsMax})`);
  else
    rawSteps.forEach((s, i) => {
      const path = `steps[${i}]`;
      if (!isObject(s)) {
        bad.push(`${path} (must be an object)`);
        return;
      }
      if (s['_type'] !== 'step') bad.push(`${path}._type (must be "step")`);
      const name = itemName(s['name'], path, bad);
      if (names.has(name))
        bad.push(`${path}.name (${JSON.stringify(name)} is used twice; names must be unique)`);
      names.add(name);
      const threshold = s['threshold'] ?? 1;
      if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1) {
        bad.push(`${path}.threshold (must be a whole number ≥ 1)`);
      }
      const pubkeys = strList(s['pubkeys'] ?? [], `${path}.pubkeys`, bad);
      for (const id of pubkeys)
        if (!HEX.test(id)) bad.push(`${path}.pubkeys (${JSON.stringify(id)} is not a hex keyid)`);
      steps.push({
        _type: 'step',
        name,
        threshold: threshold as number,
        pubkeys,
        expected_command: strList(s['expected_command'] ?? [], `${path}.expected_command`, bad),
        expected_materials: rules(s['expected_materials'], `${path}.expected_materials`, bad),
        expected_products: rules(s['expected_products'], `${path}.expected_products`, bad),
      });
    });
  const inspect: Inspection[] = [];
  const rawInspect = v['inspect'] ?? [];
  if (!Array.isArray(rawInspect)) bad.push('inspect (must be a list)');
  else
    rawInspect.forEach((s, i) => {
      const path = `inspect[${i}]`;
      if (!isObject(s)) {
        bad.push(`${path} (must be an object)`);
        return;
      }
      if (s['_type'] !== 'inspection') bad.push(`${path}._type (must be "inspection")`);
      const name = itemName(s['name'], path, bad);
      if (names.has(name))
        bad.push(`${path}.name (${JSON.stringify(name)} is used twice; names must be unique)`);
      names.add(name);
      inspect.push({
        _type: 'inspection',
        name,
        run: strList(s['run'] ?? [], `${path}.run`, bad),
        expected_materials: rules(s['expected_materials'], `${path}.expected_materials`, bad),
        expected_products: rules(s['expected_products'], `${path}.expected_products`, bad),
      });
    });
  if (bad.length > 0) throw malformed(what, 'layout', bad);
  return { _type: 'layout', expires: expires as string, readme: readme as string, keys, steps, inspect };
}

function malformed(what: string, kind: string, bad: Bad): VouchError {
  const shown = bad.slice(0, 10).join('; ');
  const more = bad.length > 10 ? `; and ${bad.length - 10} more` : '';
  return new VouchError('INPUT_MALFORMED', `${what}: invalid ${kind}: ${shown}${more}`, { fields: bad });
}

/** The plain JSON of a link, as the reference serialises it (for signing and writing). */
export function linkToJson(link: Link): Record<string, unknown> {
  return {
    _type: 'link',
    name: link.name,
    materials: Object.fromEntries(link.materials),
    products: Object.fromEntries(link.products),
    byproducts: link.byproducts,
    command: link.command,
    environment: link.environment,
  };
}
