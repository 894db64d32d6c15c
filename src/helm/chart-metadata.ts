/**
 * A chart's metadata as helm v3 holds it (pkg/chart Metadata and Dependency): the Chart.yaml fields it
 * knows, with Go's JSON `omitempty` applied, so the provenance message block has the fields helm would
 * write and no others. A field of the wrong type is refused, as helm's loader refuses it.
 */
import { parse } from 'yaml';
import { VouchError } from '../errors.js';
import type { GoYamlMap, GoYamlValue } from './go-yaml.js';

const STRING_FIELDS = [
  'name',
  'home',
  'version',
  'description',
  'icon',
  'apiVersion',
  'condition',
  'tags',
  'appVersion',
  'kubeVersion',
  'type',
] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ChartMetadata {
  readonly name: string;
  readonly version: string;
  /** The metadata as helm marshals it (JSON field names, empty fields dropped). */
  readonly fields: GoYamlMap;
}

function fail(what: string, why: string): never {
  throw new VouchError('INPUT_MALFORMED', `${what}: Chart.yaml ${why}`);
}

/**
 * A string field as helm reads it: sigs.k8s.io/yaml turns a YAML 1.1 scalar meant for a string field
 * into that string (`yes` → "true", `10` → "10"); maps and lists there are refused.
 */
function str(v: unknown, what: string, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v !== 'string')
    fail(what, `field ${field} must be a string, found ${Array.isArray(v) ? 'a list' : 'a map'}`);
  return v;
}

function strList(v: unknown, what: string, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(what, `field ${field} must be a list`);
  return v.map((x, i) => str(x, what, `${field}[${i}]`) ?? '');
}

/** JSON-shaped value of import-values entries (strings, or maps of child/parent). */
function jsonValue(v: unknown, what: string, field: string): GoYamlValue {
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map((x, i) => jsonValue(x, what, `${field}[${i}]`));
  if (isObj(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x, what, `${field}.${k}`)]));
  return fail(what, `field ${field} has an unsupported value`);
}

/**
 * Parses Chart.yaml into helm's metadata.
 * @throws INPUT_MALFORMED for invalid YAML, wrong field types, or a missing name or version
 */
export function parseChartMetadata(text: string, what: string): ChartMetadata {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100, version: '1.1' });
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: Chart.yaml is not valid YAML`, { cause: e });
  }
  if (!isObj(doc)) fail(what, 'is not a map');
  const out: Record<string, GoYamlValue> = {};
  for (const f of STRING_FIELDS) {
    const v = str(doc[f], what, f);
    if (v) out[f] = v;
  }
  for (const f of ['sources', 'keywords'] as const) {
    const v = strList(doc[f], what, f);
    if (v && v.length > 0) out[f] = v;
  }
  if (doc.deprecated !== undefined && doc.deprecated !== null) {
    if (typeof doc.deprecated !== 'boolean') fail(what, 'field deprecated must be true or false');
    if (doc.deprecated) out.deprecated = true;
  }
  if (doc.annotations !== undefined && doc.annotations !== null) {
    if (!isObj(doc.annotations)) fail(what, 'field annotations must be a map of strings');
    const ann: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.annotations)) ann[k] = str(v, what, `annotations.${k}`) ?? '';
    if (Object.keys(ann).length > 0) out.annotations = ann;
  }
  if (Array.isArray(doc.maintainers) && doc.maintainers.length > 0) {
    out.maintainers = doc.maintainers.map((m, i) => {
      if (m === null) return {};
      if (!isObj(m)) fail(what, `maintainers[${i}] must be a map`);
      const e: Record<string, string> = {};
      for (const f of ['name', 'email', 'url'] as const) {
        const v = str(m[f], what, `maintainers[${i}].${f}`);
        if (v) e[f] = v;
      }
      return e;
    });
  }
  if (Array.isArray(doc.dependencies) && doc.dependencies.length > 0) {
    out.dependencies = doc.dependencies.map((d, i) => {
      if (!isObj(d)) fail(what, `dependencies[${i}] must be a map`);
      const p = `dependencies[${i}]`;
      // name and repository have no omitempty in helm's Dependency: always written, "" included.
      const e: Record<string, GoYamlValue> = {
        name: str(d.name, what, `${p}.name`) ?? '',
        repository: str(d.repository, what, `${p}.repository`) ?? '',
      };
      for (const f of ['version', 'condition', 'alias'] as const) {
        const v = str(d[f], what, `${p}.${f}`);
        if (v) e[f] = v;
      }
      const tags = strList(d.tags, what, `${p}.tags`);
      if (tags && tags.length > 0) e.tags = tags;
      if (d.enabled === true) e.enabled = true;
      if (Array.isArray(d['import-values']) && d['import-values'].length > 0)
        e['import-values'] = jsonValue(d['import-values'], what, `${p}.import-values`);
      return e;
    });
  }
  const name = typeof out.name === 'string' ? out.name : undefined;
  const version = typeof out.version === 'string' ? out.version : undefined;
  if (!name) fail(what, 'has no name');
  if (!version) fail(what, 'has no version');
  if (!out.apiVersion) fail(what, 'has no apiVersion');
  return { name, version, fields: out };
}
