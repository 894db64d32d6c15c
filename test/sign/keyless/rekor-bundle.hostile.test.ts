import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseTrustedRoot,
  REKOR_BUNDLE_MAX_BYTES,
  verifyCosignRekorBundle,
} from '../../../src/sign/keyless/index.js';
import { cosignRekorBundle, signAndLog, TestLog, trustedRootJson } from './test-log.js';

const log = new TestLog();
const root = parseTrustedRoot(trustedRootJson([log]), 'trusted_root.json');
const payload = Buffer.from('{"critical":{}}');
const s = signAndLog(log, payload);

function check(rekorBundle: string) {
  return verifyCosignRekorBundle({
    rekorBundle,
    content: { kind: 'simple-signing', signature: s.signature.toString('base64'), payload },
    signer: { kind: 'certificate', certificatePem: s.cert.toString() },
    rekorLogs: root.rekorLogs,
    what: 'signature 0',
  });
}

test('the untampered annotation verifies (baseline for the hostile cases)', () => {
  assert.equal(check(cosignRekorBundle(s)).logIndex, s.entry.logIndex);
});

test('a truncated annotation is INPUT_MALFORMED', () => {
  const text = cosignRekorBundle(s);
  assert.throws(() => check(text.slice(0, text.length - 5)), { code: 'INPUT_MALFORMED' });
});

test('an oversized annotation is INPUT_TOO_LARGE before parsing', () => {
  assert.throws(() => check(' '.repeat(REKOR_BUNDLE_MAX_BYTES + 1)), { code: 'INPUT_TOO_LARGE' });
});

test('wrong field types are INPUT_MALFORMED naming each field', () => {
  assert.throws(
    () =>
      check(
        '{"SignedEntryTimestamp":1,"Payload":{"body":{},"integratedTime":"1","logIndex":1.5,"logID":"XYZ"}}',
      ),
    (e: Error & { code?: string; fields?: readonly string[] }) =>
      e.code === 'INPUT_MALFORMED' && e.fields?.length === 5,
  );
});

test('a SignedEntryTimestamp that is not base64 is INPUT_MALFORMED', () => {
  const doc = JSON.parse(cosignRekorBundle(s)) as { SignedEntryTimestamp: string };
  doc.SignedEntryTimestamp = '%%%';
  assert.throws(() => check(JSON.stringify(doc)), { code: 'INPUT_MALFORMED' });
});

test('unknown fields around a valid entry are ignored', () => {
  const doc = JSON.parse(cosignRekorBundle(s)) as Record<string, unknown>;
  assert.equal(check(JSON.stringify({ ...doc, Extra: { a: 1 } })).logIndex, s.entry.logIndex);
});

test('an entry of another kind (even with a valid SET) is TLOG_INVALID', () => {
  const body = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'rekord', spec: {} }));
  const other = log.append(body, s.entry.integratedTime);
  const text = JSON.stringify({
    SignedEntryTimestamp: other.set.toString('base64'),
    Payload: {
      body: body.toString('base64'),
      integratedTime: other.integratedTime,
      logIndex: other.logIndex,
      logID: log.logId.toString('hex'),
    },
  });
  assert.throws(
    () => check(text),
    (e: Error & { code?: string }) => e.code === 'TLOG_INVALID' && /rekord/.test(e.message),
  );
});
