import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { parseTrustedRoot } from '../../../src/sign/keyless/index.js';
import { FULCIO_URL, TestLog, trustedRootJson } from './test-log.js';

/** The public-good trusted_root.json that @sigstore/tuf ships as its TUF seed (an installed dependency). */
function publicGoodRoot(): Buffer {
  const seeds = createRequire(import.meta.url).resolve('@sigstore/tuf/seeds.json');
  const doc = JSON.parse(readFileSync(seeds, 'utf8')) as Record<string, { targets: Record<string, string> }>;
  const b64 = doc['https://tuf-repo-cdn.sigstore.dev']?.targets['trusted_root.json'];
  assert.ok(b64, '@sigstore/tuf seeds.json has no trusted_root.json target');
  return Buffer.from(b64, 'base64');
}

test('the Sigstore public-good trusted root loads with its Fulcio CAs and Rekor logs', () => {
  const r = parseTrustedRoot(publicGoodRoot(), 'public-good trusted_root.json');
  assert.equal(r.cas.length, 2);
  assert.ok(r.cas.every((c) => c.uri === 'https://fulcio.sigstore.dev'));
  assert.ok(r.rekorLogs.some((l) => l.baseUrl === 'https://rekor.sigstore.dev'));
  // Rekor's log id is the sha256 of its SPKI: c0d23d6a… is the well-known production value.
  assert.ok(
    r.rekorLogs.some((l) =>
      l.logIdHex.startsWith('c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d'),
    ),
  );
  assert.match(r.summary, /^2 CA\(s\), \d+ tlog\(s\)/);
});

test('a trusted root written for tests names its CA chain leaf-most first and its log key', () => {
  const log = new TestLog();
  const r = parseTrustedRoot(trustedRootJson([log]), 'trusted_root.json');
  assert.equal(r.cas[0]?.uri, FULCIO_URL);
  assert.equal(r.authorities.roots.length, 1);
  assert.equal(r.authorities.intermediates?.length, 1);
  assert.equal(r.rekorLogs[0]?.logIdHex, log.logId.toString('hex'));
});
