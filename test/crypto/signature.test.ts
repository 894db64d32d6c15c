import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { publicKeyToPem, signBytes, verifyBytes } from '../../src/crypto/index.js';
import { ecKey, ed25519Key, rsaKey } from '../sign/test-material.js';

const data = Buffer.from('{"critical":{}}');

const cases = [
  ['ECDSA P-256', () => ecKey('P-256')],
  ['ECDSA P-384', () => ecKey('P-384')],
  ['RSA PKCS#1 v1.5', () => rsaKey()],
  ['Ed25519', () => ed25519Key()],
] as const;

for (const [name, make] of cases) {
  test(`${name} signatures verify, and not over other bytes`, () => {
    const k = make();
    const sig = signBytes(k, data);
    assert.ok(verifyBytes(k.publicKey, data, sig));
    assert.ok(!verifyBytes(k.publicKey, Buffer.from('other'), sig));
  });
}

test('ECDSA signatures are ASN.1 DER (SEQUENCE of two INTEGERs), as cosign stores them', () => {
  const sig = signBytes(ecKey(), data);
  assert.equal(sig[0], 0x30);
  assert.equal(sig[1], sig.length - 2);
});

test('RSA-PSS verifies only as PSS', () => {
  const k = rsaKey();
  const sig = signBytes(k, data, { rsaScheme: 'pss' });
  assert.ok(verifyBytes(k.publicKey, data, sig, { rsaScheme: 'pss' }));
  assert.ok(!verifyBytes(k.publicKey, data, sig));
});

test('a signature from another key does not verify', () => {
  assert.ok(!verifyBytes(ecKey().publicKey, data, signBytes(ecKey(), data)));
});

test('garbage signature bytes are a failed verification, not an exception', () => {
  const k = ecKey();
  assert.equal(verifyBytes(k.publicKey, data, Buffer.from('garbage')), false);
  assert.equal(verifyBytes(k.publicKey, data, Buffer.alloc(0)), false);
});

test('openssl verifies our ECDSA P-256 signature with SHA-256 (interop with a real tool)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-sig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const k = ecKey();
  writeFileSync(join(dir, 'pub.pem'), publicKeyToPem(k.publicKey));
  writeFileSync(join(dir, 'data'), data);
  writeFileSync(join(dir, 'sig'), signBytes(k, data));
  let out: string;
  try {
    out = execFileSync('openssl', ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig', 'data'], {
      cwd: dir,
      encoding: 'utf8',
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      assert.fail('openssl missing: apt-get install openssl');
    throw e;
  }
  assert.match(out, /Verified OK/);
});
