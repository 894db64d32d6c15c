import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { sha256Digest } from '../../src/oci/digest.js';
import { type Descriptor, parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient, type RegistryRepository } from '../../src/oci/registry-client.js';
import { sharedRegistry, uniqueName } from '../support/registry.js';
import { on, startTamperingProxy } from '../support/tampering-proxy.js';

const registry = sharedRegistry();

function clientFor(host: string, extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) {
  return new RegistryClient({
    insecureRegistries: [host],
    now: () => new Date(),
    limits: { fetchRetryBaseMs: 1 },
    ...extra,
  });
}

function blob(
  content: string | Buffer,
  mediaType: string = MediaType.ociLayer,
): { bytes: Buffer; desc: Descriptor } {
  const bytes = Buffer.from(content);
  return { bytes, desc: { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength } };
}

/** Pushes a one-layer OCI image built in-test and returns its manifest bytes and digest. */
async function pushImage(repo: RegistryRepository, tag: string | undefined, layerText: string) {
  const config = blob(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    MediaType.ociConfig,
  );
  const layer = blob(layerText);
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
  const digest = await repo.putManifest(manifest, MediaType.ociManifest, tag);
  return { manifest, digest, config, layer };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('a pushed image reads back byte for byte by tag and by digest', async () => {
  const reg = await registry();
  const repo = clientFor(reg.host).repository({ registry: reg.host, repository: uniqueName('app') });
  const img = await pushImage(repo, 'v1', 'layer one');
  assert.equal(img.digest, sha256Digest(img.manifest));

  const byTag = await repo.fetchManifest('v1');
  assert.equal(byTag.digest, img.digest);
  assert.equal(byTag.mediaType, MediaType.ociManifest);
  assert.deepEqual(byTag.bytes, img.manifest);
  const byDigest = await repo.fetchManifest(img.digest);
  assert.deepEqual(byDigest.bytes, img.manifest);

  assert.deepEqual(await collect(await repo.fetchBlob(img.layer.desc)), img.layer.bytes);
  assert.deepEqual(await repo.fetchBlobBytes(img.config.desc), img.config.bytes);
  assert.equal(await repo.hasBlob(img.layer.desc.digest), true);
  assert.equal(await repo.hasBlob(sha256Digest('never pushed')), false);
});

test('resolving a tag hashes the manifest; resolving a digest answers from HEAD', async () => {
  const reg = await registry();
  const repo = clientFor(reg.host).repository({ registry: reg.host, repository: uniqueName('app') });
  const img = await pushImage(repo, 'v1', 'resolve me');
  const byTag = await repo.resolve('v1');
  assert.deepEqual(byTag, {
    mediaType: MediaType.ociManifest,
    digest: img.digest,
    size: img.manifest.byteLength,
  });
  assert.deepEqual(await repo.resolve(img.digest), byTag);
});

test('an unknown manifest or blob is NOT_FOUND naming the reference', async () => {
  const reg = await registry();
  const repo = clientFor(reg.host).repository({ registry: reg.host, repository: uniqueName('app') });
  await pushImage(repo, 'v1', 'x');
  await assert.rejects(repo.fetchManifest('nope'), { code: 'NOT_FOUND', message: /app-\d+:nope/ });
  const missing = blob('missing');
  await assert.rejects(repo.fetchBlob(missing.desc), {
    code: 'NOT_FOUND',
    message: new RegExp(missing.desc.digest),
  });
  await assert.rejects(repo.resolve(sha256Digest('no such manifest')), { code: 'NOT_FOUND' });
});

test('a blob larger than the chunk size is uploaded in PATCH chunks and reads back', async (t) => {
  const reg = await registry();
  const proxy = await startTamperingProxy(t, reg.host);
  const repo = clientFor(proxy.host, { uploadChunkBytes: 1024 }).repository({
    registry: proxy.host,
    repository: 'big',
  });
  const content = Buffer.alloc(5000);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7) % 251;
  const b = blob(content);
  // A stream in uneven pieces, as a layer read from disk or another registry arrives.
  await repo.putBlob(
    b.desc,
    Readable.from([content.subarray(0, 700), content.subarray(700, 3100), content.subarray(3100)]),
  );
  assert.equal(proxy.seen.filter((s) => s.startsWith('PATCH ')).length, 5);
  assert.deepEqual(await collect(await repo.fetchBlob(b.desc)), content);
});

test('a streamed blob whose bytes do not match its digest is never committed', async () => {
  const reg = await registry();
  const repo = clientFor(reg.host, { uploadChunkBytes: 4 }).repository({
    registry: reg.host,
    repository: uniqueName('app'),
  });
  const claimed = blob('the bytes the descriptor names');
  await assert.rejects(
    repo.putBlob(claimed.desc, Readable.from([Buffer.from('other bytes of the same len!!!')])),
    { code: 'DIGEST_MISMATCH' },
  );
  await assert.rejects(repo.putBlob(claimed.desc, Buffer.from('short')), { code: 'SIZE_MISMATCH' });
  assert.equal(await repo.hasBlob(claimed.desc.digest), false);
});

test('a blob is mounted across repositories, and an unknown one falls back to upload', async () => {
  const reg = await registry();
  const client = clientFor(reg.host);
  const srcName = uniqueName('team/src');
  const src = client.repository({ registry: reg.host, repository: srcName });
  const dst = client.repository({ registry: reg.host, repository: uniqueName('team/dst') });
  const b = blob('shared layer');
  await src.putBlob(b.desc, b.bytes);
  assert.equal(await dst.hasBlob(b.desc.digest), false);
  assert.equal(await dst.mountBlob(b.desc, srcName), true);
  assert.equal(await dst.hasBlob(b.desc.digest), true);
  assert.equal(await dst.mountBlob(blob('not in src').desc, srcName), false);
});

test('tags are listed across Link pages', async (t) => {
  const reg = await registry();
  const proxy = await startTamperingProxy(t, reg.host);
  const repo = clientFor(proxy.host).repository({ registry: proxy.host, repository: uniqueName('app') });
  const tags = ['a', 'b', 'c', 'd', 'e'];
  const img = await pushImage(repo, undefined, 'tagged');
  for (const tag of tags) await repo.putManifest(img.manifest, MediaType.ociManifest, tag);
  // distribution 2.8 ignores `n` on tags/list, so the proxy pages the real answer the way
  // distribution-spec "Listing Tags" describes (`n`, `last`, Link rel="next").
  proxy.rules.push(on('GET', /\/tags\/list$/, () => paginateTags()));
  assert.deepEqual((await repo.listTags({ pageSize: 2 })).sort(), tags);
  assert.equal(proxy.seen.filter((s) => s.endsWith('/tags/list')).length, 3);
});

test('tag listing stops at paginationPagesMax pages', async (t) => {
  const reg = await registry();
  const proxy = await startTamperingProxy(t, reg.host);
  const repo = clientFor(proxy.host, { limits: { paginationPagesMax: 2 } }).repository({
    registry: proxy.host,
    repository: uniqueName('app'),
  });
  const img = await pushImage(repo, undefined, 'tagged');
  for (const tag of ['a', 'b', 'c', 'd', 'e'])
    await repo.putManifest(img.manifest, MediaType.ociManifest, tag);
  proxy.rules.push(on('GET', /\/tags\/list$/, () => paginateTags()));
  await assert.rejects(repo.listTags({ pageSize: 2 }), { code: 'INPUT_TOO_LARGE' });
});

function paginateTags() {
  return {
    kind: 'transform' as const,
    fn: (up: { status: number; headers: Record<string, string>; body: Buffer }, url: URL) => {
      const doc = JSON.parse(up.body.toString('utf8')) as { name: string; tags: string[] };
      const all = [...doc.tags].sort();
      const n = Number(url.searchParams.get('n') ?? all.length);
      const last = url.searchParams.get('last');
      const start = last === null ? 0 : all.indexOf(last) + 1;
      const page = all.slice(start, start + n);
      const headers = { ...up.headers };
      if (start + n < all.length) {
        headers['link'] = `<${url.pathname}?n=${n}&last=${page[page.length - 1]}>; rel="next"`;
      }
      return { ...up, headers, body: Buffer.from(JSON.stringify({ name: doc.name, tags: page })) };
    },
  };
}

async function pushReferrer(
  repo: RegistryRepository,
  subject: Descriptor,
  artifactType: string,
  text: string,
) {
  const payload = blob(text, 'application/json');
  const empty = blob('{}', MediaType.ociEmpty);
  await repo.putBlob(payload.desc, payload.bytes);
  await repo.putBlob(empty.desc, empty.bytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType,
      config: empty.desc,
      layers: [payload.desc],
      subject,
      annotations: { 'org.example.note': text },
    }),
  );
  return { digest: await repo.putReferrer(manifest, MediaType.ociManifest), size: manifest.byteLength };
}

test('referrers are written to and read from the sha256-<hex> tag index when the registry has no referrers API', async () => {
  const reg = await registry();
  const repo = clientFor(reg.host).repository({ registry: reg.host, repository: uniqueName('app') });
  const img = await pushImage(repo, 'v1', 'subject');
  const subject: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: img.digest,
    size: img.manifest.byteLength,
  };
  assert.deepEqual(await repo.referrers(img.digest), []);

  const sbom = await pushReferrer(repo, subject, MediaType.cyclonedxJson, 'sbom');
  const sig = await pushReferrer(repo, subject, MediaType.sigstoreBundleV03, 'signature');
  const all = await repo.referrers(img.digest);
  assert.deepEqual(
    all.map((d) => [d.digest, d.artifactType, d.size, d.annotations?.['org.example.note']]),
    [
      [sbom.digest, MediaType.cyclonedxJson, sbom.size, 'sbom'],
      [sig.digest, MediaType.sigstoreBundleV03, sig.size, 'signature'],
    ],
  );
  assert.deepEqual(
    (await repo.referrers(img.digest, MediaType.sigstoreBundleV03)).map((d) => d.digest),
    [sig.digest],
  );
  // The fallback index is an ordinary OCI index under the schema tag, readable by any client.
  const hex = img.digest.slice('sha256:'.length);
  const index = parseManifest((await repo.fetchManifest(`sha256-${hex}`)).bytes, MediaType.ociIndex, 'index');
  assert.equal(index.kind, 'index');
  // Pushing the same referrer again does not duplicate its entry.
  await pushReferrer(repo, subject, MediaType.cyclonedxJson, 'sbom');
  assert.equal((await repo.referrers(img.digest)).length, 2);
});

test('a manifest pushed by skopeo has the digest skopeo reports', async (t) => {
  const reg = await registry();
  const layout = ociLayoutWithUmoci(t);
  const name = uniqueName('from-skopeo');
  run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/${name}:v1`]);
  const raw = run(
    'skopeo',
    ['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/${name}:v1`],
    false,
  );
  // `skopeo inspect --raw … | sha256sum`, literally.
  const summed = run('sh', [
    '-c',
    `skopeo inspect --tls-verify=false --raw docker://${reg.host}/${name}:v1 | sha256sum`,
  ]);
  const rawDigest = `sha256:${summed.toString('utf8').split(' ')[0]}`;
  const inspected = JSON.parse(
    run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/${name}:v1`]).toString('utf8'),
  ) as { Digest: string };

  const repo = clientFor(reg.host).repository({ registry: reg.host, repository: name });
  const fetched = await repo.fetchManifest('v1');
  assert.equal(fetched.digest, rawDigest);
  assert.equal(fetched.digest, inspected.Digest);
  assert.deepEqual(fetched.bytes, raw);
  const manifest = parseManifest(fetched.bytes, fetched.mediaType, 'skopeo manifest');
  assert.equal(manifest.kind, 'manifest');
  if (manifest.kind === 'manifest') {
    const config = await repo.fetchBlobBytes(manifest.config);
    assert.equal(
      (JSON.parse(config.toString('utf8')) as { config?: { User?: string } }).config?.User,
      'nobody',
    );
  }
});

/** An OCI layout holding one small image, made by umoci (init, new, config). */
function ociLayoutWithUmoci(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-umoci-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layout = join(dir, 'layout');
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:v1`]);
  run('umoci', ['config', '--image', `${layout}:v1`, '--config.user', 'nobody', '--config.cmd', '/bin/true']);
  return layout;
}

function run(cmd: string, args: string[], trim = true): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} is not installed: apt-get install -y ${cmd}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.toString('utf8')}`);
  return trim ? Buffer.from(r.stdout.toString('utf8').trim()) : r.stdout;
}

test('a registry with the referrers API is asked first, and its answer is filtered client-side too', async (t) => {
  const reg = await registry();
  const proxy = await startTamperingProxy(t, reg.host);
  const repo = clientFor(proxy.host).repository({ registry: proxy.host, repository: uniqueName('app') });
  const subject = sha256Digest('subject manifest');
  const a = { ...blob('a', MediaType.ociManifest).desc, artifactType: MediaType.cyclonedxJson };
  const b = { ...blob('b', MediaType.ociManifest).desc, artifactType: MediaType.sigstoreBundleV03 };
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [a, b] }),
  );
  // What an OCI 1.1 registry answers; it ignored the filter (no OCI-Filters-Applied header).
  proxy.rules.push(
    on('GET', /\/referrers\/sha256:/, () => ({
      kind: 'respond',
      status: 200,
      headers: { 'content-type': MediaType.ociIndex },
      body: index,
    })),
  );
  assert.deepEqual(await repo.referrers(subject), [a, b]);
  assert.deepEqual(await repo.referrers(subject, MediaType.sigstoreBundleV03), [b]);
  assert.equal(proxy.seen.filter((s) => s.includes('/manifests/sha256-')).length, 0, 'no fallback tag read');
});

test('a registry that confirms the subject with OCI-Subject gets no fallback index', async (t) => {
  const reg = await registry();
  const proxy = await startTamperingProxy(t, reg.host);
  const repo = clientFor(proxy.host).repository({ registry: proxy.host, repository: uniqueName('app') });
  const img = await pushImage(repo, 'v1', 'subject');
  proxy.rules.push(
    on('PUT', /\/manifests\/sha256:/, () => ({
      kind: 'transform',
      fn: (up) => ({ ...up, headers: { ...up.headers, 'oci-subject': img.digest } }),
    })),
  );
  const subject: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: img.digest,
    size: img.manifest.byteLength,
  };
  await pushReferrer(repo, subject, MediaType.cyclonedxJson, 'sbom');
  assert.equal(proxy.seen.filter((s) => s.includes('/manifests/sha256-')).length, 0);
});

test('a manifest PUT that the registry stores under another digest is DIGEST_MISMATCH', async (t) => {
  const reg = await registry();
  const proxy = await startTamperingProxy(t, reg.host);
  const repo = clientFor(proxy.host).repository({ registry: proxy.host, repository: uniqueName('app') });
  await pushImage(repo, 'v1', 'x');
  proxy.rules.push(
    on('PUT', /\/manifests\//, () => ({
      kind: 'transform',
      fn: (up) => ({ ...up, headers: { ...up.headers, 'docker-content-digest': sha256Digest('other') } }),
    })),
  );
  const img = await repo.fetchManifest('v1');
  await assert.rejects(repo.putManifest(img.bytes, MediaType.ociManifest, 'v2'), { code: 'DIGEST_MISMATCH' });
});

test('a streamed upload (the default, one PUT) whose bytes do not match is never committed', async () => {
  const reg = await registry();
  const repo = clientFor(reg.host).repository({ registry: reg.host, repository: uniqueName('stream') });
  const claimed = blob('the bytes the descriptor names');
  await assert.rejects(
    repo.putBlob(claimed.desc, Readable.from([Buffer.from('other bytes of the same len!!!')])),
    { code: 'DIGEST_MISMATCH' },
  );
  assert.equal(await repo.hasBlob(claimed.desc.digest), false);
  const good = blob(Buffer.alloc(3 * 1024 * 1024, 7));
  await repo.putBlob(good.desc, Readable.from([Buffer.alloc(3 * 1024 * 1024, 7)]));
  assert.equal(await repo.hasBlob(good.desc.digest), true);
});
