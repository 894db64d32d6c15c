import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageParts, kyvernoImageString } from '../../src/policy/image-under-review.js';
import { wildcardMatch } from '../../src/policy/index.js';

const CASES: [pattern: string, value: string, match: boolean][] = [
  ['ghcr.io/ldbl/*', 'ghcr.io/ldbl/app:v1', true],
  ['ghcr.io/ldbl/*', 'ghcr.io/ldbl/team/app:v1', true],
  ['ghcr.io/ldbl/*', 'ghcr.io/ldblx/app:v1', false],
  ['ghcr.io/ldbl/*', 'evil.io/ghcr.io/ldbl/app:v1', false],
  ['*', 'anything', true],
  ['docker.io/nginx:1.2?', 'docker.io/nginx:1.25', true],
  ['docker.io/nginx:1.2?', 'docker.io/nginx:1.2', false],
  [
    'https://github.com/ldbl/*',
    'https://github.com/ldbl/app/.github/workflows/release.yaml@refs/heads/main',
    true,
  ],
  ['https://github.com/ldbl/*', 'https://github.com/other/app', false],
  ['a*b*c', 'aXXbYYc', true],
  ['a*b*c', 'aXXbYY', false],
  ['', '', true],
];

for (const [p, v, want] of CASES) {
  test(`wildcard ${JSON.stringify(p)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(v)}`, () => {
    assert.equal(wildcardMatch(p, v), want);
  });
}

test('a long hostile value against a many-star pattern finishes (no catastrophic backtracking)', () => {
  assert.equal(wildcardMatch(`${'*a'.repeat(50)}b`, 'a'.repeat(20_000)), false);
});

test('Kyverno image strings: docker.io default registry, latest tag, digest wins over tag', () => {
  assert.equal(kyvernoImageString(imageParts('nginx')), 'docker.io/nginx:latest');
  assert.equal(kyvernoImageString(imageParts('ghcr.io/ldbl/app:v1')), 'ghcr.io/ldbl/app:v1');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.equal(kyvernoImageString(imageParts(`ghcr.io/ldbl/app:v1@${d}`)), `ghcr.io/ldbl/app@${d}`);
  assert.equal(kyvernoImageString(imageParts('localhost:5000/app')), 'localhost:5000/app:latest');
});

test('an image reference with a bad digest is refused with REFERENCE_INVALID', () => {
  assert.throws(() => imageParts('ghcr.io/a/b@sha256:xyz'), { code: 'REFERENCE_INVALID' });
});
