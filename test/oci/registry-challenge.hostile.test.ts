import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerChallenge, parseWwwAuthenticate } from '../../src/oci/registry-challenge.js';

test('a __proto__ parameter stays data and does not change the params prototype', () => {
  const [c] = parseWwwAuthenticate('Bearer __proto__="x",realm="https://r.example/t",constructor=y');
  assert.ok(c);
  assert.equal(Object.getPrototypeOf(c.params), Object.prototype);
  assert.equal(c.params['realm'], 'https://r.example/t');
  assert.equal(c.params['constructor'], 'y');
});

test('a truncated header keeps the complete parameters before the cut', () => {
  const full = 'Bearer realm="https://r.example/t",service="reg",scope="repository:a:pull"';
  for (let cut = 0; cut <= full.length; cut++) {
    const got = parseWwwAuthenticate(full.slice(0, cut));
    assert.ok(Array.isArray(got));
    if (cut >= 'Bearer realm="https://r.example/t"'.length)
      assert.equal(got[0]?.params['realm'], 'https://r.example/t');
  }
});

test('a 1 MB header of unclosed quotes parses without throwing', () => {
  const got = parseWwwAuthenticate(`Bearer realm="${'\\"'.repeat(512 * 1024)}`);
  assert.deepEqual(got, [{ scheme: 'bearer', params: {} }]);
});

test('control characters and non-token bytes end parsing instead of being guessed at', () => {
  const got = parseWwwAuthenticate('Bearer realm="https://r/t"\u0000, Basic realm=x');
  assert.equal(got[0]?.params['realm'], 'https://r/t');
  assert.equal(bearerChallenge(got)?.realm, 'https://r/t');
});

test('a realm that is not http(s) is never answered, whatever else the challenge says', () => {
  for (const realm of ['javascript:alert(1)', 'ftp://r/t', '//r/t', '']) {
    assert.equal(
      bearerChallenge(parseWwwAuthenticate(`Bearer realm="${realm}",service=s`)),
      undefined,
      realm,
    );
  }
});

test('a duplicated parameter keeps the last value, as a map would', () => {
  const got = parseWwwAuthenticate('Bearer realm="https://a/t",realm="https://b/t"');
  assert.equal(got[0]?.params['realm'], 'https://b/t');
});
