// The chart's ClusterRole grants what `admission serve --in-cluster` does with its defaults
// (`--cluster-policies all`): list and watch every policy kind and ConfigMaps, patch the status of a
// refused policy, create Events, read namespaces. Without these a vouch pod never becomes ready
// (/readyz names the kinds it could not list), so the rules are checked on what the real helm renders.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { runPeer } from '../support/peers.js';

const CHART = join(import.meta.dirname, '..', '..', 'deploy', 'charts', 'vouch');

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

function allows(rules: Rule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      r.apiGroups.includes(group) &&
      r.resources.includes(resource) &&
      r.verbs.includes(verb) &&
      r.resourceNames === undefined,
  );
}

test('the ClusterRole lets the default webhook watch its policies, mark refused ones and report', async () => {
  const r = await runPeer('helm', [
    'template',
    'vouch',
    CHART,
    '-n',
    'vouch-system',
    '--kube-version',
    '1.32.0',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind?: string; rules?: Rule[] } | null);
  const role = docs.find((d) => d?.kind === 'ClusterRole');
  assert.ok(role?.rules, 'a ClusterRole');
  const rules = role.rules;
  const watched: Array<[string, string]> = [
    ['policy.sigstore.dev', 'clusterimagepolicies'],
    ['policy.sigstore.dev', 'trustroots'],
    ['kyverno.io', 'clusterpolicies'],
    ['kyverno.io', 'policies'],
    ['', 'configmaps'],
    ['', 'namespaces'],
  ];
  for (const [group, resource] of watched) {
    for (const verb of ['get', 'list', 'watch'])
      assert.ok(allows(rules, group, resource, verb), `${verb} ${resource}`);
  }
  for (const [group, resource] of watched.slice(0, 4)) {
    assert.ok(allows(rules, group, `${resource}/status`, 'patch'), `patch ${resource}/status`);
  }
  assert.ok(allows(rules, '', 'events', 'create'), 'create events');
  // Least privilege: nothing may write the policies themselves, or read Secrets cluster-wide.
  for (const [group, resource] of watched.slice(0, 4)) {
    for (const verb of ['create', 'update', 'patch', 'delete'])
      assert.equal(allows(rules, group, resource, verb), false, `${verb} ${resource}`);
  }
  assert.equal(allows(rules, '', 'secrets', 'get'), false, 'no cluster-wide secrets');
});
