import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextLink } from '../../src/oci/http-link.js';

const BASE = 'http://127.0.0.1:5000/v2/app/tags/list';

test('an unclosed "<" yields no next link', () => {
  assert.equal(nextLink('</v2/app/tags/list?last=b; rel="next"', BASE), undefined);
});

test('a header of 100k links is scanned without failing and finds the next one', () => {
  const header = `${'</x>; rel="prev", '.repeat(100_000)}</v2/app/tags/list?last=z>; rel="next"`;
  assert.equal(nextLink(header, BASE), 'http://127.0.0.1:5000/v2/app/tags/list?last=z');
});

test('a next link to another scheme or host is returned resolved, for the caller to refuse by origin', () => {
  assert.equal(new URL(nextLink('<javascript:alert(1)>; rel="next"', BASE) ?? '').protocol, 'javascript:');
  assert.equal(new URL(nextLink('<//evil.example/x>; rel="next"', BASE) ?? '').host, 'evil.example');
});

test('rel values are matched whole, not as substrings', () => {
  assert.equal(nextLink('</a>; rel="nextpage"', BASE), undefined);
  assert.equal(nextLink('</a>; rel="not-next"', BASE), undefined);
});
