import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTrustedRoot, TRUSTED_ROOT_MAX_BYTES } from '../../../src/sign/keyless/index.js';
import { TestLog, trustedRootJson } from './test-log.js';

const good = (): Record<string, unknown> =>
  JSON.parse(trustedRootJson([new TestLog()]).toString()) as Record<string, unknown>;
const parse = (doc: unknown) => parseTrustedRoot(Buffer.from(JSON.stringify(doc)), 'trusted_root.json');

test('a truncated trusted root is INPUT_MALFORMED', () => {
  const bytes = trustedRootJson([new TestLog()]);
  assert.throws(() => parseTrustedRoot(bytes.subarray(0, bytes.length - 10), 'trusted_root.json'), {
    code: 'INPUT_MALFORMED',
  });
});

test('an oversized trusted root is INPUT_TOO_LARGE before parsing', () => {
  assert.throws(() => parseTrustedRoot(Buffer.alloc(TRUSTED_ROOT_MAX_BYTES + 1, 0x20), 'trusted_root.json'), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('a document that is not a trusted root (wrong mediaType, array) is INPUT_MALFORMED naming the field', () => {
  assert.throws(() => parse({ ...good(), mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }), {
    code: 'INPUT_MALFORMED',
    fields: ['mediaType'],
  });
  assert.throws(() => parse([good()]), { code: 'INPUT_MALFORMED' });
});

test('a tlog key that is not DER SPKI is INPUT_MALFORMED at load time', () => {
  const doc = good();
  const tlogs = doc.tlogs as { publicKey: { rawBytes: string } }[];
  const t0 = tlogs[0];
  assert.ok(t0);
  t0.publicKey.rawBytes = Buffer.from('not a key').toString('base64');
  assert.throws(() => parse(doc), { code: 'INPUT_MALFORMED' });
});

test('a CA certificate that is not DER is INPUT_MALFORMED', () => {
  const doc = good();
  const cas = doc.certificateAuthorities as { certChain: { certificates: { rawBytes: string }[] } }[];
  const c0 = cas[0]?.certChain.certificates[0];
  assert.ok(c0);
  c0.rawBytes = Buffer.from('garbage').toString('base64');
  assert.throws(() => parse(doc), { code: 'INPUT_MALFORMED' });
});

test('a CA with an empty chain is INPUT_MALFORMED', () => {
  const doc = good();
  const cas = doc.certificateAuthorities as { certChain: { certificates: unknown[] } }[];
  const ca = cas[0];
  assert.ok(ca);
  ca.certChain.certificates = [];
  assert.throws(() => parse(doc), { code: 'INPUT_MALFORMED' });
});

test('unknown fields are ignored (protobuf-JSON forward compatibility)', () => {
  const r = parse({ ...good(), futureField: { anything: 1 } });
  assert.equal(r.rekorLogs.length, 1);
});
