import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { updateDatabase } from '../../src/vuln/db-update.js';

async function serve(t: TestContext, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function workDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-dbu-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const NOW = new Date('2024-01-01T00:00:00Z');

test('a download larger than the cap is refused while streaming (no Content-Length) and nothing is kept', async (t) => {
  const dir = await workDir(t);
  const url = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip' });
    // Chunked: the size is only known by counting.
    for (let i = 0; i < 64; i++) res.write(Buffer.alloc(1024, 1));
    res.end();
  });
  await assert.rejects(
    updateDatabase({
      source: url,
      ecosystems: ['npm'],
      out: join(dir, 'vuln.db'),
      now: NOW,
      maxDownloadBytes: 10_000,
    }),
    { code: 'INPUT_TOO_LARGE' },
  );
  assert.deepEqual(await readdir(dir), []);
});

test('a declared Content-Length over the cap is refused before reading the body', async (t) => {
  const dir = await workDir(t);
  const url = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-length': 1_000_000 });
    res.end(Buffer.alloc(1_000_000));
  });
  await assert.rejects(
    updateDatabase({
      source: url,
      ecosystems: ['npm'],
      out: join(dir, 'vuln.db'),
      now: NOW,
      maxDownloadBytes: 1000,
    }),
    { code: 'INPUT_TOO_LARGE' },
  );
});

test('a body that is not a zip fails the update with INPUT_MALFORMED and writes no database', async (t) => {
  const dir = await workDir(t);
  const url = await serve(t, (_req, res) => res.end('<html>not found</html>'));
  await assert.rejects(
    updateDatabase({ source: url, ecosystems: ['npm'], out: join(dir, 'vuln.db'), now: NOW }),
    {
      code: 'INPUT_MALFORMED',
    },
  );
  assert.deepEqual(await readdir(dir), []);
});

test('a server error is REGISTRY_ERROR and an unreachable source is REGISTRY_UNREACHABLE', async (t) => {
  const dir = await workDir(t);
  const url = await serve(t, (_req, res) => res.writeHead(503).end());
  await assert.rejects(
    updateDatabase({ source: url, ecosystems: ['npm'], out: join(dir, 'a.db'), now: NOW }),
    {
      code: 'REGISTRY_ERROR',
    },
  );
  // A port that was just free: bind, note it, close.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(
    updateDatabase({
      source: `http://127.0.0.1:${port}`,
      ecosystems: ['npm'],
      out: join(dir, 'b.db'),
      now: NOW,
    }),
    { code: 'REGISTRY_UNREACHABLE' },
  );
});
