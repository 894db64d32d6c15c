import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Doc, renderChart } from '../support/helm-chart.js';

// Kyverno imageExtractors reach kinds without a pod spec only if the API server sends them: the chart's
// webhook rules list pod kinds, and `webhook.extraRules` adds more.
const CHART = new URL('../../deploy/charts/vouch', import.meta.url).pathname;

type Rules = Array<{ apiGroups: string[]; resources: string[] }>;

function rulesOf(docs: Doc[], kind: string): Rules {
  const d = docs.find((x) => x.kind === kind) as unknown as { webhooks: Array<{ rules: Rules }> } | undefined;
  assert.ok(d, `no ${kind}`);
  return d.webhooks[0]?.rules ?? [];
}

const TASKS = {
  apiGroups: ['tekton.dev'],
  apiVersions: ['v1'],
  operations: ['CREATE', 'UPDATE'],
  resources: ['tasks'],
  scope: 'Namespaced',
};

for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
  test(`the ${kind} registers only pod kinds by default and appends webhook.extraRules`, () => {
    const plain = rulesOf(renderChart(CHART).docs, kind);
    assert.deepEqual(
      plain.map((r) => r.apiGroups[0]),
      ['', 'apps', 'batch'],
    );
    const extended = rulesOf(renderChart(CHART, { values: { webhook: { extraRules: [TASKS] } } }).docs, kind);
    assert.deepEqual(extended.slice(0, 3), plain);
    assert.deepEqual(extended[3], TASKS);
    assert.equal(extended.length, 4);
  });
}
