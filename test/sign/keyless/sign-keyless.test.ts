import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTrustedRoot, signKeyless, verifySigstoreBundle } from '../../../src/sign/keyless/index.js';
import { startLoopbackSigstore, testIdentityToken } from './loopback-sigstore.js';

const ISSUER = 'https://oidc.vouch.test';
const EMAIL = 'alice@example.com';
const ARTIFACT = Buffer.from('keyless artifact\n');

async function setup(t: Parameters<typeof startLoopbackSigstore>[0]) {
  const sigstore = await startLoopbackSigstore(t);
  const token = testIdentityToken({ iss: ISSUER, sub: 'alice-subject', email: EMAIL });
  sigstore.tokens.add(token);
  const opts = {
    identityToken: token,
    fulcioUrl: sigstore.url,
    rekorUrl: sigstore.url,
    retries: 0,
    timeoutMs: 10_000,
  };
  return {
    sigstore,
    token,
    opts,
    root: parseTrustedRoot(sigstore.trustedRoot, 'loopback trusted_root.json'),
  };
}

test('keyless signing gets a Fulcio certificate and a Rekor entry, and the bundle verifies offline', async (t) => {
  const { sigstore, opts, root } = await setup(t);
  const bundle = await signKeyless({ kind: 'message', data: ARTIFACT }, opts);
  assert.deepEqual(sigstore.requests, ['POST /api/v2/signingCert', 'POST /api/v1/log/entries']);
  const v = verifySigstoreBundle({
    bundle,
    artifact: { kind: 'bytes', bytes: ARTIFACT },
    trustedRoot: root,
    policy: { kind: 'certificate', identity: { subject: EMAIL, issuer: ISSUER } },
    // The loopback Fulcio embeds no SCT (it runs no CT log).
    options: { insecureIgnoreSct: true },
    now: new Date(),
  });
  assert.equal(v.signer.kind === 'certificate' ? v.signer.subject : undefined, EMAIL);
  assert.equal(typeof v.tlog?.logIndex, 'number');
});

test('a keyless DSSE bundle verifies and yields its in-toto statement', async (t) => {
  const { opts, root } = await setup(t);
  const digest = 'a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'a.txt', digest: { sha256: digest } }],
    predicateType: 'https://vouch.test/predicate',
    predicate: { ok: true },
  };
  const bundle = await signKeyless(
    {
      kind: 'dsse',
      data: Buffer.from(JSON.stringify(statement)),
      payloadType: 'application/vnd.in-toto+json',
    },
    opts,
  );
  const v = verifySigstoreBundle({
    bundle,
    artifact: { kind: 'digest', digest: `sha256:${digest}` as never },
    trustedRoot: root,
    policy: { kind: 'certificate', identity: { subject: EMAIL, issuer: ISSUER } },
    options: { insecureIgnoreSct: true },
    now: new Date(),
  });
  assert.equal(v.statement?.predicateType, 'https://vouch.test/predicate');
});

test('a token Fulcio refuses is AUTH_FAILED and nothing is logged', async (t) => {
  const { sigstore, opts } = await setup(t);
  const other = testIdentityToken({ iss: ISSUER, sub: 'mallory' });
  await assert.rejects(signKeyless({ kind: 'message', data: ARTIFACT }, { ...opts, identityToken: other }), {
    code: 'AUTH_FAILED',
  });
  assert.deepEqual(sigstore.requests, ['POST /api/v2/signingCert']);
});

test('a Rekor that answers 404 is IO_ERROR naming the Rekor URL', async (t) => {
  const { opts } = await setup(t);
  await assert.rejects(
    signKeyless({ kind: 'message', data: ARTIFACT }, { ...opts, rekorUrl: `${opts.rekorUrl}/missing` }),
    (e: Error & { code?: string }) =>
      e.code === 'IO_ERROR' && e.message.includes(`Rekor at ${opts.rekorUrl}/missing`),
  );
});

test('an unusable token is INPUT_MALFORMED and the message never contains the token', async (t) => {
  const { sigstore, opts } = await setup(t);
  const unverified = `${testIdentityToken({ iss: ISSUER, sub: 's' }).split('.')[0]}.${Buffer.from(
    JSON.stringify({ iss: ISSUER, email: EMAIL, email_verified: false }),
  ).toString('base64url')}.`;
  await assert.rejects(
    signKeyless({ kind: 'message', data: ARTIFACT }, { ...opts, identityToken: unverified }),
    (e: Error & { code?: string }) => e.code === 'INPUT_MALFORMED' && !e.message.includes(unverified),
  );
  assert.deepEqual(sigstore.requests, []);
});
