import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Digest } from '../../src/oci/digest.js';
import { buildSimpleSigningPayload, parseSimpleSigningPayload } from '../../src/sign/index.js';

const D = `sha256:${'ab'.repeat(32)}` as Digest;

test('the payload bytes are exactly what cosign signs, with "optional":null when there are no annotations', () => {
  const bytes = buildSimpleSigningPayload({ dockerReference: 'ghcr.io/octo/app', digest: D });
  assert.equal(
    bytes.toString(),
    `{"critical":{"identity":{"docker-reference":"ghcr.io/octo/app"},"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"},"optional":null}`,
  );
});

test('annotations go into optional with sorted keys, as Go marshals maps', () => {
  const bytes = buildSimpleSigningPayload({
    dockerReference: 'r',
    digest: D,
    annotations: { z: '1', a: '2' },
  });
  assert.match(bytes.toString(), /"optional":\{"a":"2","z":"1"\}\}$/);
});

test('a payload parses back to reference, digest and optional', () => {
  const p = parseSimpleSigningPayload(
    buildSimpleSigningPayload({ dockerReference: 'r', digest: D, annotations: { k: 'v' } }),
    'p',
  );
  assert.deepEqual(p, { dockerReference: 'r', digest: D, optional: { k: 'v' } });
});

test('a payload written by cosign (optional omitted entirely) parses', () => {
  const text = `{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"}}`;
  assert.equal(parseSimpleSigningPayload(Buffer.from(text), 'p').optional, null);
});

function fieldsOf(doc: unknown): string[] {
  try {
    parseSimpleSigningPayload(Buffer.from(JSON.stringify(doc)), 'p');
  } catch (e) {
    assert.equal((e as { code: string }).code, 'INPUT_MALFORMED');
    return (e as { fields: string[] }).fields;
  }
  assert.fail('expected a parse error');
}

const base = () => ({
  critical: {
    identity: { 'docker-reference': 'r' },
    image: { 'docker-manifest-digest': D },
    type: 'cosign container image signature',
  },
  optional: null,
});

test('a wrong critical.type is reported by its path', () => {
  const doc = base();
  doc.critical.type = 'something else';
  assert.ok(fieldsOf(doc).some((f) => f.startsWith('critical.type')));
});

test('a malformed digest is reported by its path', () => {
  const doc = base();
  doc.critical.image['docker-manifest-digest'] = 'sha256:short' as Digest;
  assert.ok(fieldsOf(doc).some((f) => f.startsWith('critical.image.docker-manifest-digest')));
});

test('unknown fields in critical are refused (they could change the claim)', () => {
  const doc = { ...base(), critical: { ...base().critical, extra: 1 } };
  assert.ok(fieldsOf(doc).some((f) => f.startsWith('critical.extra')));
});

test('every bad field is listed at once', () => {
  const fields = fieldsOf({ critical: { identity: {}, image: 'x', type: 1 }, optional: 3 });
  assert.equal(fields.length, 4);
});
