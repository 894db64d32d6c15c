import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditCi, CI_RULES } from '../../../src/audit/ci/index.js';
import { applyIgnoreComments } from '../../../src/audit/index.js';
import { runPeer } from '../../support/peers.js';

/**
 * The same fixtures through zizmor 1.32 (offline, auditor persona, no configuration) and vouch: for
 * every rule both have, the same rule ids at the same line and column. ci-unpinned.yml is left out:
 * zizmor refuses the whole file (a `uses:` without `@ref`, which GitHub rejects too) while vouch audits
 * it and reports the reference.
 */
const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'audit-ci');
const FILES = [
  'artifacts.yml',
  'composite/action.yml',
  'conditions-supply.yml',
  'containers.yml',
  'dependabot.yml',
  'pr-target-comment.yml',
  'release-cloud.yml',
  'reusable.yml',
  'seed-pull-request-target.yml',
  'seed-release.yaml',
  'workflow-run.yml',
];

interface ZizmorFinding {
  ident: string;
  determinations: { severity: string; confidence: string; persona: string };
  locations: {
    symbolic: { kind: string };
    concrete: { location: { start_point: { row: number; column: number } } };
  }[];
}

const SEVERITY: Readonly<Record<string, string>> = {
  Informational: 'info',
  Low: 'low',
  Medium: 'medium',
  High: 'high',
};

test('vouch and zizmor report the same rules at the same positions on the shared fixtures', async () => {
  const ours = new Set(CI_RULES.map((r) => r.id));
  for (const file of FILES) {
    const z = await runPeer(
      'zizmor',
      ['--offline', '--no-config', '--persona', 'auditor', '--format', 'json-v1', file],
      {
        cwd: DIR,
      },
    );
    assert.ok(z.code === 0 || z.code >= 10, `zizmor failed on ${file}: ${z.stderr}`);
    const theirs = (JSON.parse(z.stdout) as ZizmorFinding[])
      .filter((f) => ours.has(f.ident))
      .map((f) => {
        const primary = f.locations.find((l) => l.symbolic.kind === 'Primary') ?? f.locations[0];
        const p = primary?.concrete.location.start_point;
        return `${(p?.row ?? -1) + 1}:${(p?.column ?? -1) + 1} ${f.ident} ${SEVERITY[f.determinations.severity]}/${f.determinations.confidence.toLowerCase()}`;
      })
      .sort();
    const r = auditCi([{ file, content: await readFile(join(DIR, file)) }], { persona: 'auditor' });
    const mine = applyIgnoreComments(r.findings, r.sources)
      .kept.filter(
        (f) =>
          ![
            'oidc-unneeded-id-token',
            'oidc-unpinned-federation',
            'static-cloud-credentials',
            'unknown-key',
            'expression-syntax',
          ].includes(f.rule),
      )
      .map((f) => `${f.line}:${f.column} ${f.rule} ${f.severity}/${f.confidence}`)
      .sort();
    assert.deepEqual(mine, theirs, file);
  }
});
