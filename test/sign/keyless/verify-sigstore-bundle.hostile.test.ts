import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTrustedRoot, verifySigstoreBundle } from '../../../src/sign/keyless/index.js';
import { BUNDLE_MAX_BYTES } from '../../../src/sign/index.js';
import { messageBundle, signAndLog, TestLog, toBytes, trustedRootJson } from './test-log.js';

const GH_ID = 'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main';
const GH_ISSUER = 'https://token.actions.githubusercontent.com';
const ARTIFACT = Buffer.from('hostile artifact');
const log = new TestLog();
const root = parseTrustedRoot(trustedRootJson([log]), 'trusted_root.json');

function verify(bytes: Uint8Array) {
  return verifySigstoreBundle({
    bundle: bytes,
    artifact: { kind: 'bytes', bytes: ARTIFACT },
    trustedRoot: root,
    policy: { kind: 'certificate', identity: { subject: GH_ID, issuer: GH_ISSUER } },
    options: { insecureIgnoreSct: true },
    now: new Date('2026-01-01T00:00:00Z'),
  });
}
const good = () => messageBundle(signAndLog(log, ARTIFACT));

test('a truncated bundle is INPUT_MALFORMED', () => {
  const bytes = toBytes(good());
  assert.throws(() => verify(bytes.subarray(0, bytes.length - 7)), { code: 'INPUT_MALFORMED' });
});

test('an oversized bundle is INPUT_TOO_LARGE before parsing', () => {
  assert.throws(() => verify(Buffer.alloc(BUNDLE_MAX_BYTES + 1, 0x20)), { code: 'INPUT_TOO_LARGE' });
});

test('a certificate that is not DER is INPUT_MALFORMED, not a crash', () => {
  const b = good();
  (b.verificationMaterial as { certificate: { rawBytes: string } }).certificate.rawBytes =
    Buffer.from('not a certificate').toString('base64');
  assert.throws(() => verify(toBytes(b)), { code: 'INPUT_MALFORMED' });
});

test('a tlog body that is not JSON is TLOG_INVALID (its SET no longer verifies)', () => {
  const b = good();
  const e0 = (b.verificationMaterial as { tlogEntries: { canonicalizedBody: string }[] }).tlogEntries[0];
  assert.ok(e0);
  e0.canonicalizedBody = Buffer.from('{"kind":').toString('base64');
  assert.throws(() => verify(toBytes(b)), { code: 'TLOG_INVALID' });
});

test('a negative log index is TLOG_INVALID (the SET covers the index)', () => {
  const b = good();
  const e0 = (b.verificationMaterial as { tlogEntries: { logIndex: string }[] }).tlogEntries[0];
  assert.ok(e0);
  e0.logIndex = '-1';
  assert.throws(() => verify(toBytes(b)), { code: 'TLOG_INVALID' });
});

test('unknown fields in a bundle are ignored (protobuf-JSON forward compatibility)', () => {
  const b = { ...good(), futureField: { x: 1 } };
  assert.equal(verify(toBytes(b)).signer.kind, 'certificate');
});
