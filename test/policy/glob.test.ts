import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob, globMatches } from '../../src/policy/index.js';

// Cases restate the behaviour documented in sigstore/policy-controller pkg/apis/glob (glob.go comments):
// `*` stays within a segment, `**` crosses segments, names are go-containerregistry's fully qualified form.
const CASES: [image: string, glob: string, match: boolean][] = [
  ['foo', 'index.docker.io/library/foo:latest', true],
  ['foo', 'index.docker.io/library/*', true],
  ['foo', 'index.docker.io/*/*', true],
  ['foo', 'index.docker.io/**', true],
  ['foo', '**', true],
  ['foo', 'foo', true],
  ['foo', '*', true],
  ['myuser/myapp', '*/*', true],
  ['myuser/myapp', 'index.docker.io/myuser/*:latest', true],
  ['ghcr.io/foo/bar', 'ghcr.io/*/*', true],
  ['ghcr.io/foo', 'ghcr.io/*/*', false],
  ['ghcr.io/foo', 'ghcr.io/**', true],
  ['prefix-ghcr.io/foo', 'ghcr.io/foo', false],
  ['ghcr.io/foo-suffix', 'ghcr.io/foo', false],
  ['ghcrxio/foo', 'ghcr.io/**', false],
  ['registry.example.com/team/app:2.3', 'registry.example.com/**', true],
  ['registry.example.com/team/app:2.3', 'registry.example.com/*', false],
  ['registry.example.com/app@sha256:' + '1'.repeat(64), 'registry.example.com/*', true],
  ['docker.io/library/nginx:1.25', 'index.docker.io/library/nginx:*', true],
];

for (const [image, glob, want] of CASES) {
  test(`glob ${glob} ${want ? 'matches' : 'does not match'} ${image}`, () => {
    const g = compileGlob(glob);
    assert.ok(g.ok);
    assert.equal(globMatches(g, image), want);
  });
}

test('a glob with regexp characters is refused, not interpreted', () => {
  for (const bad of ['.+', '[a-z]*', 'ghcr.io/(a|b)/**']) assert.equal(compileGlob(bad).ok, false);
});

test('an invalid image reference never matches silently: it throws REFERENCE_INVALID', () => {
  const g = compileGlob('**');
  assert.ok(g.ok);
  assert.throws(() => globMatches(g, 'invalid&name'), { code: 'REFERENCE_INVALID' });
});
