import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type DecisionRecord,
  EvidenceRecorder,
  eventsFor,
  policyReportFor,
  reportName,
  review,
} from '../../src/admission/index.js';
import type { Digest } from '../../src/oci/digest.js';
import { admissionReviewFor, loadWorkload, withImages } from '../support/admission.js';
import { crdValidator } from '../support/crd-schema.js';
import { TableDecider } from '../support/table-decider.js';

const FIX = new URL('../fixtures/admission/', import.meta.url).pathname;
const validatePolicyReport = crdValidator(join(FIX, 'wgpolicyk8s.io_policyreports.v1alpha2.schema.json'));
const validateClusterPolicyReport = crdValidator(
  join(FIX, 'wgpolicyk8s.io_clusterpolicyreports.v1alpha2.schema.json'),
);

const SIGNED = 'registry.example.com/team/app:1.0.0';
const UNSIGNED = 'registry.example.com/team/unsigned:1.0.0';
const SIGNED_DIGEST = `sha256:${'a1'.repeat(32)}` as Digest;
const UNSIGNED_DIGEST = `sha256:${'b2'.repeat(32)}` as Digest;
const table = new Map([
  [SIGNED, { digest: SIGNED_DIGEST, signed: true }],
  [UNSIGNED, { digest: UNSIGNED_DIGEST, signed: false }],
]);
const NOW = new Date('2026-11-23T12:00:00.250Z');

async function decisionFor(
  images: string[],
  opts: { dryRun?: boolean; mode?: 'audit' | 'enforce'; file?: string } = {},
): Promise<DecisionRecord> {
  const mode = opts.mode ?? 'audit';
  const obj = withImages(loadWorkload(opts.file ?? 'deployment.json'), images);
  const r = await review(admissionReviewFor(obj, { namespace: 'shop', dryRun: opts.dryRun ?? false }), {
    decider: new TableDecider(table, { mode }),
    mode,
    endpoint: 'validate',
    now: NOW,
    deadlineMs: 9_000,
  });
  assert.ok(r.decision);
  return r.decision;
}

test('an audit failure becomes a fail result in a PolicyReport that matches the v1alpha2 CRD schema', async () => {
  const report = policyReportFor(await decisionFor([UNSIGNED]));
  assert.ok(validatePolicyReport(report), JSON.stringify(validatePolicyReport.errors));
  assert.equal(report.kind, 'PolicyReport');
  assert.equal(report.metadata.namespace, 'shop');
  assert.equal(report.metadata.name, 'vouch-deployment-web');
  assert.deepEqual(report.scope, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'web',
    namespace: 'shop',
  });
  const [result] = report.results;
  assert.equal(result?.result, 'fail');
  assert.equal(result?.policy, 'require-signed-images');
  assert.equal(result?.rule, 'key-signature');
  assert.equal(result?.source, 'vouch');
  assert.equal(result?.properties.digest, UNSIGNED_DIGEST);
  assert.equal(result?.properties.image, UNSIGNED);
  assert.deepEqual(result?.timestamp, { seconds: Math.floor(NOW.getTime() / 1000), nanos: 250_000_000 });
  assert.deepEqual(report.summary, { pass: 0, fail: 1, warn: 0, error: 0, skip: 0 });
});

test('a signed image becomes a pass result', async () => {
  const report = policyReportFor(await decisionFor([SIGNED]));
  assert.ok(validatePolicyReport(report), JSON.stringify(validatePolicyReport.errors));
  assert.deepEqual(report.summary, { pass: 1, fail: 0, warn: 0, error: 0, skip: 0 });
});

test('a cluster-scoped resource gets a ClusterPolicyReport that matches its CRD schema', async () => {
  const d = await decisionFor([UNSIGNED]);
  const report = policyReportFor({ ...d, resource: { ...d.resource, namespace: '' } });
  assert.equal(report.kind, 'ClusterPolicyReport');
  assert.equal(report.metadata.namespace, undefined);
  assert.ok(validateClusterPolicyReport(report), JSON.stringify(validateClusterPolicyReport.errors));
});

test('a report with a field the CRD does not list is caught by the closed schema', () => {
  const bad = {
    apiVersion: 'wgpolicyk8s.io/v1alpha2',
    kind: 'PolicyReport',
    metadata: {},
    results: [{ policy: 'p', verdict: 'x' }],
  };
  assert.equal(validatePolicyReport(bad), false);
});

test('report names are DNS subdomains, bounded in length', () => {
  assert.equal(reportName({ kind: 'Deployment', name: 'Web_App' }), 'vouch-deployment-web-app');
  const long = reportName({ kind: 'Pod', name: 'x'.repeat(400) });
  assert.ok(long.length <= 253);
  assert.match(long, /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/);
});

test('events use Kyverno reasons: PolicyViolation for a failure, PolicyApplied for a pass', async () => {
  const events = eventsFor(
    await decisionFor([UNSIGNED, SIGNED], { file: 'pod-all-containers.json' }),
    'vouch-test',
  );
  const reasons = events.map((e) => [e.reason, e.type]).sort();
  assert.deepEqual(reasons, [
    ['PolicyApplied', 'Normal'],
    ['PolicyViolation', 'Warning'],
  ]);
  for (const e of events) {
    assert.equal(e.metadata.namespace, 'shop');
    assert.equal(e.involvedObject.kind, 'Pod');
    assert.ok(e.message.length <= 1024);
  }
});

test('event names are DNS subdomains even for a pod named only by generateName', async () => {
  const d = await decisionFor([UNSIGNED], { file: 'pod.json' });
  const events = eventsFor({ ...d, resource: { ...d.resource, name: 'web-7d9f8c-' } }, 't');
  assert.ok(events.length > 0);
  for (const e of events)
    assert.match(e.metadata.name, /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/);
});

test('the recorder writes the report atomically, appends the decision log and serves the report', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-evidence-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const errors: string[] = [];
  const rec = new EvidenceRecorder({
    reportDir: join(dir, 'reports'),
    decisionLogPath: join(dir, 'decisions.jsonl'),
    instance: 'test',
    onError: (what) => errors.push(what),
  });
  rec.record(await decisionFor([UNSIGNED]));
  rec.record(await decisionFor([SIGNED]));
  await rec.flush();
  assert.deepEqual(errors, []);
  const files = await readdir(join(dir, 'reports'));
  assert.deepEqual(files, ['shop.vouch-deployment-web.json']);
  const onDisk = JSON.parse(await readFile(join(dir, 'reports', files[0] ?? ''), 'utf8')) as {
    summary: { pass: number };
  };
  assert.ok(validatePolicyReport(onDisk));
  assert.equal(onDisk.summary.pass, 1, 'the newer decision replaced the older report');
  const lines = (await readFile(join(dir, 'decisions.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.images[0].outcomes[0].result),
    ['fail', 'pass'],
  );
  assert.equal(rec.reports().length, 1);
});

test('the in-memory reports are bounded, dropping the least recently updated', async () => {
  const rec = new EvidenceRecorder({ instance: 't', maxReports: 2, onError: () => undefined });
  const d = await decisionFor([UNSIGNED]);
  for (const name of ['a', 'b', 'a', 'c']) rec.record({ ...d, resource: { ...d.resource, name } });
  await rec.flush();
  assert.deepEqual(
    rec
      .reports()
      .map((r) => r.scope.name)
      .sort(),
    ['a', 'c'],
  );
});

test('a dry-run decision leaves no report and no log line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-evidence-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const rec = new EvidenceRecorder({
    reportDir: join(dir, 'reports'),
    decisionLogPath: join(dir, 'd.jsonl'),
    instance: 't',
    onError: () => undefined,
  });
  rec.record(await decisionFor([UNSIGNED], { dryRun: true }));
  await rec.flush();
  assert.deepEqual(await readdir(dir), []);
  assert.deepEqual(rec.reports(), []);
});

test('an unwritable report dir is reported, not thrown', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-evidence-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const errors: string[] = [];
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'file'), 'x');
  const rec = new EvidenceRecorder({
    reportDir: join(dir, 'file', 'sub'),
    instance: 't',
    onError: (w) => errors.push(w),
  });
  rec.record(await decisionFor([UNSIGNED]));
  await rec.flush();
  assert.deepEqual(errors, ['report file']);
});
