import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { generateSelfSignedCertificate } from '../../src/admission/index.js';

test('--self-signed mints a P-256 server certificate for localhost and 127.0.0.1 that matches its key', async () => {
  const pair = await generateSelfSignedCertificate(['localhost', '127.0.0.1'], 2);
  const cert = new X509Certificate(pair.certPem);
  assert.ok(cert.checkPrivateKey(createPrivateKey(pair.keyPem)));
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
  assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.equal(cert.issuer, cert.subject);
});

test('without openssl, --self-signed fails with TOOL_MISSING and the install hint', async () => {
  await assert.rejects(generateSelfSignedCertificate(['localhost'], 1, '/nonexistent/openssl'), {
    code: 'TOOL_MISSING',
    hint: /apt-get install openssl/,
  });
});
