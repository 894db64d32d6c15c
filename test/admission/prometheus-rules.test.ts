import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { AdmissionMetrics } from '../../src/admission/index.js';

const RULES = new URL('../../deploy/prometheus/rules.yaml', import.meta.url).pathname;

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function rules(): Rule[] {
  const doc = parse(readFileSync(RULES, 'utf8')) as { spec: { groups: Array<{ rules: Rule[] }> } };
  return doc.spec.groups.flatMap((g) => g.rules);
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords or label names. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice((m.index ?? 0) + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0])) continue;
    names.push(m[0]);
  }
  return names;
}

/** Series names vouch exports, with the suffixes Prometheus adds for histograms. */
async function exported(): Promise<Set<string>> {
  const metrics = new AdmissionMetrics();
  const out = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    out.add(m.name);
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) out.add(`${m.name}${s}`);
  }
  return out;
}

test('the seed alerts are all present, with the seed misspelling kept and a correct alias', () => {
  const names = rules().map((r) => r.alert);
  for (const a of [
    'UnsignedImageBlocked',
    'SBOMAttestationMissing',
    'CriticalCVEInAttestaton',
    'CriticalCVEInAttestation',
    'PolicyControllerWebhookDown',
  ]) {
    assert.ok(names.includes(a), `missing alert ${a}`);
  }
  const byName = new Map(rules().map((r) => [r.alert, r]));
  assert.equal(byName.get('CriticalCVEInAttestation')?.expr, byName.get('CriticalCVEInAttestaton')?.expr);
});

test('every metric in every alert expression is one vouch exports (or Prometheus up)', async () => {
  const have = await exported();
  // `up` is written by Prometheus itself for every scrape target.
  have.add('up');
  for (const r of rules()) {
    const used = metricNames(r.expr);
    assert.ok(used.length > 0, `${r.alert}: no metric found in ${r.expr}`);
    for (const name of used)
      assert.ok(have.has(name), `${r.alert} uses ${name}, which vouch does not export`);
  }
});

test('the metric-name extractor ignores functions, label names and keywords', () => {
  assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(x_bucket{a="b"}[5m]))) > 5'), [
    'x_bucket',
  ]);
  assert.deepEqual(metricNames('up{job="vouch"} == 0 or absent(up{job="vouch"})'), ['up', 'up']);
});

test('every alert has a severity label, a summary and a runbook that exists', () => {
  for (const r of rules()) {
    assert.ok(r.labels?.severity, `${r.alert}: no severity`);
    assert.ok(r.annotations?.summary, `${r.alert}: no summary`);
    const file = r.annotations?.runbook ?? '';
    assert.ok(file.startsWith('docs/runbooks/'), `${r.alert}: runbook ${file}`);
    assert.doesNotThrow(
      () => readFileSync(new URL(`../../${file}`, import.meta.url)),
      `${r.alert}: ${file} missing`,
    );
  }
});
