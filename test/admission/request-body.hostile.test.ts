import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { readRequestBody } from '../../src/admission/index.js';

/** A readable carrying request headers: what readRequestBody reads from an IncomingMessage. */
function message(chunks: Buffer[], headers: Record<string, string>): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

test('a declared length over the limit is refused without reading', async () => {
  let read = false;
  const m = message([], { 'content-length': '100' });
  m.on('data', () => {
    read = true;
  });
  await assert.rejects(readRequestBody(m, 10), { code: 'INPUT_TOO_LARGE' });
  assert.equal(read, false);
});

test('with Transfer-Encoding a small Content-Length is not believed: streamed bytes are counted', async () => {
  const m = message([Buffer.alloc(8), Buffer.alloc(8)], {
    'content-length': '5',
    'transfer-encoding': 'chunked',
  });
  await assert.rejects(readRequestBody(m, 10), { code: 'INPUT_TOO_LARGE' });
});

test('a body without any length header is counted as it streams', async () => {
  await assert.rejects(readRequestBody(message([Buffer.alloc(6), Buffer.alloc(6)], {}), 10), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('a body at exactly the limit is read whole', async () => {
  const body = await readRequestBody(
    message([Buffer.from('12345'), Buffer.from('67890')], { 'content-length': '10' }),
    10,
  );
  assert.equal(body.toString(), '1234567890');
});

test('a client that aborts mid-body is INPUT_MALFORMED', async () => {
  const r = new Readable({ read() {} });
  const m = Object.assign(r, { headers: {} }) as unknown as IncomingMessage;
  const p = readRequestBody(m, 100);
  r.push(Buffer.from('{"a"'));
  r.destroy(new Error('aborted'));
  await assert.rejects(p, { code: 'INPUT_MALFORMED' });
});
