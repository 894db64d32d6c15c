import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Digest } from '../../src/oci/digest.js';
import {
  keyHintOf,
  parseBundle,
  parsePublicKeyPem,
  verifyImageBundleWithKeys,
} from '../../src/sign/index.js';
import { ecKey, fixture } from './test-material.js';

// sigstore-conformance bundle-verify/intoto-canonical-log-entry: a key-signed DSSE bundle made by
// another implementation. Its subject is the conformance suite's a.txt.
const A_TXT = 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf' as Digest;
const bundle = () =>
  parseBundle(fixture('conformance-intoto', 'bundle.sigstore.json'), 'bundle.sigstore.json');
const key = () => parsePublicKeyPem(fixture('conformance-intoto', 'key.pub'), 'key.pub');

test('a key-signed DSSE bundle from the sigstore conformance suite verifies with its key.pub', () => {
  const v = verifyImageBundleWithKeys(bundle(), A_TXT, [key()]);
  assert.equal(v.statement.predicateType, 'https://example.com/test');
  assert.deepEqual(v.keyIds, [key().keyId]);
});

test('our key hint equals the hint in that third-party bundle (sha256 of SPKI, base64)', () => {
  const b = bundle();
  const material = b.verificationMaterial.content;
  assert.equal(material.$case, 'publicKey');
  if (material.$case === 'publicKey') assert.equal(material.publicKey.hint, keyHintOf(key()));
});

test('the conformance bundle does not verify with another key', () => {
  assert.throws(() => verifyImageBundleWithKeys(bundle(), A_TXT, [ecKey().publicKey]), {
    code: 'SIGNATURE_INVALID',
  });
});
