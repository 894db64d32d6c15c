import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bearerChallenge,
  hasBasicChallenge,
  parseWwwAuthenticate,
} from '../../src/oci/registry-challenge.js';

test('a Bearer challenge yields realm, service and a scope whose quoted comma is kept', () => {
  // Docker Hub's challenge for a push, as documented in distribution docs/spec/auth/token.md.
  const header =
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"';
  assert.deepEqual(parseWwwAuthenticate(header), [
    {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:samalba/my-app:pull,push',
      },
    },
  ]);
  assert.deepEqual(bearerChallenge(parseWwwAuthenticate(header)), {
    realm: 'https://auth.docker.io/token',
    service: 'registry.docker.io',
    scopes: ['repository:samalba/my-app:pull,push'],
  });
});

test('several challenges in one header are all read (RFC 7235 section 4.1)', () => {
  const got = parseWwwAuthenticate(
    'Basic realm="Registry Realm", Bearer realm="https://a.example/token",service=a',
  );
  assert.deepEqual(
    got.map((c) => [c.scheme, c.params['realm']]),
    [
      ['basic', 'Registry Realm'],
      ['bearer', 'https://a.example/token'],
    ],
  );
  assert.equal(hasBasicChallenge(got), true);
  assert.equal(bearerChallenge(got)?.service, 'a');
});

test('scheme and parameter names are case-insensitive, whitespace around "=" is allowed', () => {
  const got = parseWwwAuthenticate('BEARER Realm = "https://r.example/t" , SERVICE=reg');
  assert.deepEqual(got, [{ scheme: 'bearer', params: { realm: 'https://r.example/t', service: 'reg' } }]);
});

test('quoted-pair escapes are unescaped inside quoted strings', () => {
  const got = parseWwwAuthenticate('Basic realm="say \\"hi\\", please"');
  assert.equal(got[0]?.params['realm'], 'say "hi", please');
});

test('a token68 challenge is kept apart from parameters', () => {
  const got = parseWwwAuthenticate('Negotiate abc123==, Basic realm=x');
  assert.deepEqual(got, [
    { scheme: 'negotiate', params: {}, token68: 'abc123==' },
    { scheme: 'basic', params: { realm: 'x' } },
  ]);
});

test('a space-separated scope list becomes several scopes', () => {
  const c = bearerChallenge(
    parseWwwAuthenticate('Bearer realm="https://r/t",scope="repository:a:pull repository:b:pull"'),
  );
  assert.deepEqual(c?.scopes, ['repository:a:pull', 'repository:b:pull']);
});

test('a Bearer challenge without a usable http(s) realm is not answered', () => {
  assert.equal(bearerChallenge(parseWwwAuthenticate('Bearer service="x"')), undefined);
  assert.equal(bearerChallenge(parseWwwAuthenticate('Bearer realm="file:///etc/passwd"')), undefined);
  assert.equal(bearerChallenge(parseWwwAuthenticate('Bearer realm="not a url"')), undefined);
});

test('an unterminated quoted string drops only the broken parameter', () => {
  const got = parseWwwAuthenticate('Bearer realm="https://r/t",service="unterminated');
  assert.deepEqual(got, [{ scheme: 'bearer', params: { realm: 'https://r/t' } }]);
});

test('garbage and empty headers yield no challenge', () => {
  assert.deepEqual(parseWwwAuthenticate(''), []);
  assert.deepEqual(parseWwwAuthenticate('   ,  , '), []);
  assert.deepEqual(parseWwwAuthenticate('"quoted first"'), []);
});

test('a very long header is parsed in linear time without failing', () => {
  const header = `Bearer realm="https://r/t",${'x=y,'.repeat(20_000)}service="s"`;
  assert.equal(bearerChallenge(parseWwwAuthenticate(header))?.service, 's');
});
