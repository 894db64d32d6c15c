import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextLink } from '../../src/oci/http-link.js';

const BASE = 'http://127.0.0.1:5000/v2/app/tags/list?n=2';

test('a relative next link resolves against the response URL', () => {
  assert.equal(
    nextLink('</v2/app/tags/list?n=2&last=b>; rel="next"', BASE),
    'http://127.0.0.1:5000/v2/app/tags/list?n=2&last=b',
  );
});

test('the next link is found among other links and rel values, unquoted rel too', () => {
  const header = '<https://x.example/prev>; rel="prev", </v2/app/tags/list?last=d>; type="a"; rel=next';
  assert.equal(nextLink(header, BASE), 'http://127.0.0.1:5000/v2/app/tags/list?last=d');
  assert.equal(nextLink('</p2>; rel="first next"', BASE), 'http://127.0.0.1:5000/p2');
});

test('no header, no next relation, or an unusable target ends the listing', () => {
  assert.equal(nextLink(null, BASE), undefined);
  assert.equal(nextLink('</p>; rel="prev"', BASE), undefined);
  assert.equal(nextLink('garbage', BASE), undefined);
  assert.equal(nextLink('<http://[bad>; rel="next"', BASE), undefined);
});
