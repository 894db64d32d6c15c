import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { GoTemplate } from './go-template.js';

export type Doc = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/**
 * Renders a chart directory as `helm template <release> <chart> -n <namespace> --set …` would, with the
 * template subset of test/support/go-template.ts, and parses every document strictly (duplicate keys
 * and YAML errors fail).
 */
export function renderChart(
  chartDir: string,
  opts: { release?: string; namespace?: string; values?: Record<string, unknown> } = {},
): { docs: Doc[]; byFile: Map<string, string> } {
  const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = merge(parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')), opts.values ?? {});
  const root = {
    Values: values,
    Release: { Name: opts.release ?? 'vouch', Namespace: opts.namespace ?? 'vouch-system', Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const tpl = new GoTemplate();
  const dir = join(chartDir, 'templates');
  const files = readdirSync(dir).sort();
  for (const f of files.filter((f) => f.startsWith('_'))) tpl.load(readFileSync(join(dir, f), 'utf8'));
  const docs: Doc[] = [];
  const byFile = new Map<string, string>();
  for (const f of files.filter((f) => !f.startsWith('_') && f.endsWith('.yaml'))) {
    const text = tpl.render(readFileSync(join(dir, f), 'utf8'), root);
    byFile.set(f, text);
    for (const d of parseAllDocuments(text, { uniqueKeys: true })) {
      if (d.errors.length > 0) throw new Error(`${f}: ${d.errors.map((e) => e.message).join('; ')}\n${text}`);
      const js: unknown = d.toJS();
      if (js === null || js === undefined) continue;
      docs.push(js as Doc);
    }
  }
  return { docs, byFile };
}
