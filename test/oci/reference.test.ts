import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReference, parseReference, registryApiHost } from '../../src/oci/reference.js';

const D = `sha256:${'a'.repeat(64)}`;

const valid: Array<[string, string]> = [
  ['nginx', 'docker.io/library/nginx:latest'],
  ['nginx:1.25', 'docker.io/library/nginx:1.25'],
  ['myorg/app', 'docker.io/myorg/app:latest'],
  ['index.docker.io/library/nginx', 'docker.io/library/nginx:latest'],
  ['localhost/app', 'localhost/app:latest'],
  ['localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
  [`localhost:5000/a/b:t@${D}`, `localhost:5000/a/b:t@${D}`],
  [`ghcr.io/org/app@${D}`, `ghcr.io/org/app@${D}`],
  ['127.0.0.1:5000/app:v1.2.3-rc.1', '127.0.0.1:5000/app:v1.2.3-rc.1'],
  ['[::1]:5000/app:x', '[::1]:5000/app:x'],
  ['[fe80::1%eth0]:5000/app', '[fe80::1%eth0]:5000/app:latest'],
  ['registry.example.com/a__b/c-d.e/f_g:T_1', 'registry.example.com/a__b/c-d.e/f_g:T_1'],
  ['my-registry.internal:443/x', 'my-registry.internal:443/x:latest'],
];

for (const [input, expected] of valid) {
  test(`"${input}" normalises to "${expected}"`, () => {
    assert.equal(formatReference(parseReference(input)), expected);
  });
}

const invalid: Array<[string, RegExp]> = [
  ['', /empty/],
  ['Nginx', /lowercase/],
  ['ghcr.io/Org/app', /lowercase/],
  ['app:', /tag/],
  ['app:-bad', /tag/],
  [`app:${'x'.repeat(129)}`, /longer than 128/],
  ['app@sha256:abc', /digest/],
  [`app@md5:${'a'.repeat(32)}`, /digest/],
  ['a//b', /empty path component/],
  ['a/b/', /empty path component/],
  ['host:99999/app', /port/],
  ['host:0/app', /port/],
  ['[::1/app', /unclosed|IPv6/],
  ['has space', /whitespace/],
  ['exa_mple.com/app', /path component|host/],
  ['-host.com/app', /host name/],
  [`${'a'.repeat(250)}/bbbbbbbbbb`, /longer than 255/],
  ['[::1]:5000', /repository/],
];

for (const [input, why] of invalid) {
  test(`"${input.slice(0, 40)}" is refused naming the bad part`, () => {
    assert.throws(
      () => parseReference(input),
      (e: unknown) => {
        const err = e as { code: string; message: string };
        assert.equal(err.code, 'REFERENCE_INVALID');
        assert.match(err.message, why);
        return true;
      },
    );
  });
}

test('a reference without tag or digest gets no tag when defaultTag is off', () => {
  assert.equal(parseReference('nginx', { defaultTag: false }).tag, undefined);
});

test('tag and digest together keep both', () => {
  const r = parseReference(`nginx:1@${D}`);
  assert.equal(r.tag, '1');
  assert.equal(r.digest, D);
});

test('Docker Hub API host is registry-1.docker.io', () => {
  assert.equal(registryApiHost(parseReference('nginx').registry), 'registry-1.docker.io');
  assert.equal(registryApiHost('localhost:5000'), 'localhost:5000');
});
