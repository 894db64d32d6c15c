import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { sha256Digest } from '../../src/oci/digest.js';
import { type Descriptor, parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient, type RegistryRepository } from '../../src/oci/registry-client.js';
import { freePort, sharedRegistry, uniqueName } from '../support/registry.js';
import {
  flipByte,
  on,
  replaceBody,
  startTamperingProxy,
  type TamperingProxy,
  times,
  truncateTo,
} from '../support/tampering-proxy.js';

type ClientOptions = ConstructorParameters<typeof RegistryClient>[0];

const registry = sharedRegistry();

function clientFor(host: string, extra: Partial<ClientOptions> = {}) {
  return new RegistryClient({
    insecureRegistries: [host],
    now: () => new Date(),
    ...extra,
    limits: { fetchRetryBaseMs: 1, ...extra.limits },
  });
}

function blob(
  content: string | Buffer,
  mediaType: string = MediaType.ociLayer,
): { bytes: Buffer; desc: Descriptor } {
  const bytes = Buffer.from(content);
  return { bytes, desc: { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength } };
}

interface Setup {
  name: string;
  proxy: TamperingProxy;
  repo: RegistryRepository;
  layer: { bytes: Buffer; desc: Descriptor };
  manifest: Buffer;
  digest: ReturnType<typeof sha256Digest>;
}

/** A real registry holding one image, behind a tampering proxy; the client talks to the proxy. */
async function setup(t: TestContext, extra: Partial<ClientOptions> = {}): Promise<Setup> {
  const reg = await registry();
  const proxy = await startTamperingProxy(t, reg.host);
  const name = uniqueName('app');
  const repo = clientFor(proxy.host, extra).repository({ registry: proxy.host, repository: name });
  const config = blob('{"architecture":"amd64","os":"linux"}', MediaType.ociConfig);
  const layer = blob('the one true layer content');
  await repo.putBlob(config.desc, config.bytes);
  await repo.putBlob(layer.desc, layer.bytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: config.desc,
      layers: [layer.desc],
    }),
  );
  const digest = await repo.putManifest(manifest, MediaType.ociManifest, 'v1');
  return { name, proxy, repo, layer, manifest, digest };
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('a blob with one flipped byte errors with DIGEST_MISMATCH before the stream ends', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(on('GET', /\/blobs\/sha256:/, () => flipByte(3)));
  await assert.rejects(drain(await s.repo.fetchBlob(s.layer.desc)), { code: 'DIGEST_MISMATCH' });
  await assert.rejects(s.repo.fetchBlobBytes(s.layer.desc), { code: 'DIGEST_MISMATCH' });
});

test('a truncated blob errors with SIZE_MISMATCH', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(on('GET', /\/blobs\/sha256:/, () => truncateTo(5)));
  await assert.rejects(drain(await s.repo.fetchBlob(s.layer.desc)), { code: 'SIZE_MISMATCH' });
});

test('a blob whose announced length differs from its descriptor is refused before reading', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(
    on('GET', /\/blobs\/sha256:/, () => replaceBody(Buffer.from('a longer body than the descriptor'))),
  );
  await assert.rejects(s.repo.fetchBlob(s.layer.desc), { code: 'SIZE_MISMATCH' });
});

test('a manifest swapped behind a tag is DIGEST_MISMATCH against the Docker-Content-Digest header', async (t) => {
  const s = await setup(t);
  const other = Buffer.from(s.manifest.toString('utf8').replace('"schemaVersion":2', '"schemaVersion":2 '));
  s.proxy.rules.push(on('GET', /\/manifests\//, () => replaceBody(other)));
  await assert.rejects(s.repo.fetchManifest('v1'), {
    code: 'DIGEST_MISMATCH',
    message: new RegExp(s.digest),
  });
});

test('a manifest swapped behind a digest is DIGEST_MISMATCH naming both digests', async (t) => {
  const s = await setup(t);
  const other = Buffer.from(`${s.manifest.toString('utf8')} `);
  s.proxy.rules.push(on('GET', /\/manifests\//, () => replaceBody(other)));
  await assert.rejects(s.repo.fetchManifest(s.digest), {
    code: 'DIGEST_MISMATCH',
    message: new RegExp(`${s.digest}.*${sha256Digest(other)}`),
  });
});

test('a Docker-Content-Digest header that lies about the bytes is DIGEST_MISMATCH', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(
    on('GET', /\/manifests\/v1$/, () => ({
      kind: 'transform',
      fn: (up) => ({
        ...up,
        headers: { ...up.headers, 'docker-content-digest': sha256Digest('something else') },
      }),
    })),
  );
  await assert.rejects(s.repo.fetchManifest('v1'), { code: 'DIGEST_MISMATCH' });
});

test('a 10 MB manifest without a length is cut off at manifestMaxBytes with INPUT_TOO_LARGE', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(
    on('GET', /\/manifests\//, () => ({
      kind: 'stream',
      status: 200,
      headers: { 'content-type': MediaType.ociManifest },
      bytes: 10 * 1024 * 1024,
      announceLength: false,
    })),
  );
  await assert.rejects(s.repo.fetchManifest('v1'), { code: 'INPUT_TOO_LARGE' });
  await assert.rejects(s.repo.fetchManifest(s.digest), { code: 'INPUT_TOO_LARGE' });
});

test('a manifest announced as 10 MB is refused before its body is read', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(
    on('GET', /\/manifests\//, () => ({
      kind: 'stream',
      status: 200,
      headers: { 'content-type': MediaType.ociManifest },
      bytes: 10 * 1024 * 1024,
      announceLength: true,
    })),
  );
  await assert.rejects(s.repo.fetchManifest('v1'), { code: 'INPUT_TOO_LARGE' });
});

test('a manifest of an unknown media type reads fine and is MEDIA_TYPE_UNSUPPORTED when parsed', async (t) => {
  const s = await setup(t);
  const schema1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'app', tag: 'v1', fsLayers: [] }));
  const mt = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
  s.proxy.rules.push(
    on('GET', /\/manifests\/v1$/, () => ({
      kind: 'transform',
      fn: (up) => {
        const headers: Record<string, string> = { ...up.headers, 'content-type': mt };
        delete headers['docker-content-digest'];
        return { ...up, headers, body: schema1 };
      },
    })),
  );
  const fetched = await s.repo.fetchManifest('v1');
  assert.equal(fetched.mediaType, mt);
  assert.throws(() => parseManifest(fetched.bytes, fetched.mediaType, 'manifest'), {
    code: 'MEDIA_TYPE_UNSUPPORTED',
  });
});

test('503 then 200 on a GET is retried and succeeds, each retry logged', async (t) => {
  const lines: string[] = [];
  const s = await setup(t, { debug: (m) => lines.push(m) });
  s.proxy.rules.push(
    times(
      2,
      on('GET', /\/manifests\/v1$/, () => ({ kind: 'respond', status: 503 })),
    ),
  );
  assert.equal((await s.repo.fetchManifest('v1')).digest, s.digest);
  assert.equal(lines.filter((l) => /HTTP 503; retry/.test(l)).length, 2);
});

test('429 with Retry-After is retried', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(
    times(
      1,
      on('GET', /\/manifests\/v1$/, () => ({
        kind: 'respond',
        status: 429,
        headers: { 'retry-after': '0' },
      })),
    ),
  );
  assert.equal((await s.repo.fetchManifest('v1')).digest, s.digest);
});

test('retries stop after fetchRetries and the last status is reported', async (t) => {
  const s = await setup(t, { limits: { fetchRetries: 2 } });
  s.proxy.rules.push(
    times(
      3,
      on('GET', /\/manifests\/v1$/, () => ({ kind: 'respond', status: 503 })),
    ),
  );
  await assert.rejects(s.repo.fetchManifest('v1'), { code: 'REGISTRY_ERROR', message: /HTTP 503/ });
});

test('a 503 on an upload (not idempotent) is not retried', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(
    times(
      1,
      on('POST', /\/blobs\/uploads\/$/, () => ({ kind: 'respond', status: 503 })),
    ),
  );
  const b = blob('new blob');
  await assert.rejects(s.repo.putBlob(b.desc, b.bytes), { code: 'REGISTRY_ERROR' });
  assert.equal(s.proxy.seen.filter((l) => l === `POST /v2/${s.name}/blobs/uploads/`).length, 3); // 2 in setup + 1
});

test('a registry that never answers is TIMEOUT', async (t) => {
  const s = await setup(t, { limits: { fetchTimeoutMs: 300, fetchRetries: 0 } });
  s.proxy.rules.push(on('GET', /\/manifests\//, () => ({ kind: 'hang' })));
  await assert.rejects(s.repo.fetchManifest('v1'), { code: 'TIMEOUT' });
});

test('a blob whose bytes stop arriving is TIMEOUT on the stream, not a hang', async (t) => {
  const s = await setup(t, { limits: { fetchTimeoutMs: 300, fetchRetries: 0 } });
  s.proxy.rules.push(
    on('GET', /\/blobs\/sha256:/, () => ({
      kind: 'stall',
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: s.layer.bytes,
      sendBytes: 5,
    })),
  );
  await assert.rejects(drain(await s.repo.fetchBlob(s.layer.desc)), { code: 'TIMEOUT' });
});

test('a closed port is REGISTRY_UNREACHABLE', async () => {
  const host = `127.0.0.1:${await freePort()}`;
  const repo = clientFor(host, { limits: { fetchRetries: 1 } }).repository({
    registry: host,
    repository: 'app',
  });
  await assert.rejects(repo.fetchManifest('v1'), (e: { code?: string; exitCode?: number }) => {
    assert.equal(e.code, 'REGISTRY_UNREACHABLE');
    assert.equal(e.exitCode, 3);
    return true;
  });
});

test('plain HTTP is used only for registries marked insecure', async () => {
  const reg = await registry();
  const client = new RegistryClient({ now: () => new Date(), limits: { fetchRetries: 0 } });
  const repo = client.repository({ registry: reg.host, repository: 'app' });
  await assert.rejects(repo.fetchManifest('v1'), { code: 'REGISTRY_UNREACHABLE', message: /127\.0\.0\.1/ });
});

test("the registry's error document is carried into REGISTRY_ERROR", async (t) => {
  const s = await setup(t);
  const dangling = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: blob('{}', MediaType.ociConfig).desc,
      layers: [],
    }),
  );
  await assert.rejects(s.repo.putManifest(dangling, MediaType.ociManifest, 'dangling'), {
    code: 'REGISTRY_ERROR',
    message: /MANIFEST_BLOB_UNKNOWN/,
  });
});

test('a tag or digest that could reach another endpoint is REFERENCE_INVALID', async (t) => {
  const s = await setup(t);
  await assert.rejects(s.repo.fetchManifest('../../_catalog'), { code: 'REFERENCE_INVALID' });
  await assert.rejects(s.repo.fetchManifest('v1?x=y'), { code: 'REFERENCE_INVALID' });
  assert.throws(() => clientFor(s.proxy.host).repository({ registry: s.proxy.host, repository: 'a/../b' }), {
    code: 'REFERENCE_INVALID',
  });
});

test('a tags page linking to another server is not followed', async (t) => {
  const s = await setup(t);
  s.proxy.rules.push(
    on('GET', /\/tags\/list$/, () => ({
      kind: 'transform',
      fn: (up) => ({
        ...up,
        headers: { ...up.headers, link: '<http://203.0.113.9/v2/app/tags/list?last=v1>; rel="next"' },
      }),
    })),
  );
  await assert.rejects(s.repo.listTags(), { code: 'REGISTRY_ERROR', message: /another server/ });
});

test('a referrers fallback tag holding a plain manifest is INPUT_MALFORMED', async (t) => {
  const s = await setup(t);
  const hex = s.digest.slice('sha256:'.length);
  await s.repo.putManifest(s.manifest, MediaType.ociManifest, `sha256-${hex}`);
  await assert.rejects(s.repo.referrers(s.digest), { code: 'INPUT_MALFORMED' });
});

test('credentials are not sent with a request that 401s without a challenge: AUTH_FAILED', async (t) => {
  // A server that always answers 401 and never says how to authenticate.
  const server = createServer((_req, res) => res.writeHead(401).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const repo = clientFor(host).repository({ registry: host, repository: 'app' });
  await assert.rejects(repo.fetchManifest('v1'), { code: 'AUTH_FAILED', message: new RegExp(host) });
});
