import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sha256Digest } from '../../src/oci/digest.js';
import type { Descriptor } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { RegistryCredential } from '../../src/oci/registry-auth.js';
import {
  RegistryClient,
  type RegistryRepository,
  registryClientFromEnv,
} from '../../src/oci/registry-client.js';
import { sharedRegistry, type TestRegistry, uniqueName } from '../support/registry.js';
import { on, startTamperingProxy } from '../support/tampering-proxy.js';

const USERS = { alice: 'wonderland' };

function clientWith(reg: TestRegistry, credential: RegistryCredential, now: () => Date = () => new Date()) {
  return new RegistryClient({
    insecureRegistries: [reg.host],
    credentials: () => Promise.resolve(credential),
    now,
    limits: { fetchRetryBaseMs: 1 },
  });
}

function blob(content: string, mediaType: string = MediaType.ociLayer): { bytes: Buffer; desc: Descriptor } {
  const bytes = Buffer.from(content);
  return { bytes, desc: { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength } };
}

async function pushImage(repo: RegistryRepository, tag: string) {
  const config = blob('{"architecture":"amd64","os":"linux"}', MediaType.ociConfig);
  const layer = blob(`layer of ${tag}`);
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
  return { digest: await repo.putManifest(manifest, MediaType.ociManifest, tag), layer };
}

const tokenRegistry = sharedRegistry({
  auth: 'token',
  tokens: { users: USERS, refreshTokens: { 'refresh-abc': 'alice' } },
});
const basicRegistry = sharedRegistry({ auth: 'htpasswd', users: USERS });

/** The issuer's requests that concern `repository` (the registry is shared by this file's tests). */
function requestsFor(reg: TestRegistry, repository: string) {
  return (reg.issuer?.requests ?? []).filter((r) =>
    r.scopes.some((s) => s.startsWith(`repository:${repository}:`)),
  );
}

test('a token for the requested scope lets a user push and pull on a token-auth registry', async () => {
  const reg = await tokenRegistry();
  const name = uniqueName('app');
  const repo = clientWith(reg, { kind: 'basic', username: 'alice', password: 'wonderland' }).repository({
    registry: reg.host,
    repository: name,
  });
  const img = await pushImage(repo, 'v1');
  assert.equal((await repo.fetchManifest('v1')).digest, img.digest);
  const scopes = requestsFor(reg, name).map((r) => r.scopes.join(' '));
  assert.deepEqual([...new Set(scopes)].sort(), [`repository:${name}:pull`, `repository:${name}:pull,push`]);
  assert.ok(requestsFor(reg, name).every((r) => r.user === 'alice'));
});

test('tokens are cached per scope until they expire', async () => {
  const reg = await tokenRegistry();
  const name = uniqueName('app');
  let clock = new Date();
  const client = clientWith(reg, { kind: 'basic', username: 'alice', password: 'wonderland' }, () => clock);
  const repo = client.repository({ registry: reg.host, repository: name });
  await pushImage(repo, 'v1');
  const before = requestsFor(reg, name).length;
  await repo.fetchManifest('v1');
  await repo.fetchManifest('v1');
  await client.repository({ registry: reg.host, repository: name }).fetchManifest('v1');
  assert.equal(requestsFor(reg, name).length - before, 1, 'one pull token for three reads');
  // The issuer's tokens live 300 s; past that the client asks again (the registry still accepts the
  // fresh token, since only our clock moved).
  clock = new Date(clock.getTime() + 301_000);
  await repo.fetchManifest('v1');
  assert.equal(requestsFor(reg, name).length - before, 2);
});

test('pulling without credentials from a token-auth registry is AUTH_FAILED naming the registry and scope', async () => {
  const reg = await tokenRegistry();
  const name = uniqueName('app');
  const owner = clientWith(reg, { kind: 'basic', username: 'alice', password: 'wonderland' });
  await pushImage(owner.repository({ registry: reg.host, repository: name }), 'v1');
  const repo = clientWith(reg, { kind: 'anonymous' }).repository({
    registry: reg.host,
    repository: name,
  });
  await assert.rejects(repo.fetchManifest('v1'), (e: { code?: string; message?: string; hint?: string }) => {
    assert.equal(e.code, 'AUTH_FAILED');
    assert.match(e.message ?? '', new RegExp(`${reg.host}.*repository:${name}:pull`));
    assert.match(e.hint ?? '', /docker login/);
    return true;
  });
});

test('a wrong password is AUTH_FAILED', async () => {
  const reg = await tokenRegistry();
  const name = uniqueName('app');
  const repo = clientWith(reg, { kind: 'basic', username: 'alice', password: 'looking-glass' }).repository({
    registry: reg.host,
    repository: name,
  });
  await assert.rejects(repo.fetchManifest('v1'), {
    code: 'AUTH_FAILED',
    message: /rejected the credentials/,
  });
});

test('an identity token is traded for access tokens with the OAuth2 refresh_token grant', async () => {
  const reg = await tokenRegistry();
  const name = uniqueName('app');
  const repo = clientWith(reg, { kind: 'identity-token', token: 'refresh-abc' }).repository({
    registry: reg.host,
    repository: name,
  });
  const img = await pushImage(repo, 'v1');
  assert.equal((await repo.fetchManifest('v1')).digest, img.digest);
  const mine = requestsFor(reg, name);
  assert.ok(mine.length > 0 && mine.every((r) => r.method === 'POST' && r.user === 'alice'));
});

test('a cross-repository mount asks for pull on the source and push on the target', async () => {
  const reg = await tokenRegistry();
  const client = clientWith(reg, { kind: 'basic', username: 'alice', password: 'wonderland' });
  const srcName = uniqueName('src');
  const dstName = uniqueName('dst');
  const src = client.repository({ registry: reg.host, repository: srcName });
  const dst = client.repository({ registry: reg.host, repository: dstName });
  const img = await pushImage(src, 'v1');
  assert.equal(await dst.mountBlob(img.layer.desc, srcName), true);
  assert.equal(await dst.hasBlob(img.layer.desc.digest), true);
  const mountScopes = requestsFor(reg, dstName).find((r) => r.scopes.includes(`repository:${srcName}:pull`));
  assert.deepEqual(mountScopes?.scopes, [`repository:${dstName}:pull,push`, `repository:${srcName}:pull`]);
});

test('credentials come from the docker config through a credential helper', async (t) => {
  const reg = await tokenRegistry();
  const name = uniqueName('app');
  const dir = mkdtempSync(join(tmpdir(), 'vouch-docker-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  writeHelper(bin, 'vouchtest', `{"ServerURL":"${reg.host}","Username":"alice","Secret":"wonderland"}`);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'vouchtest' } }));
  const client = registryClientFromEnv({
    dockerConfigDir: dir,
    env: { PATH: `${bin}:/usr/bin:/bin` },
    insecureRegistries: [reg.host],
    now: () => new Date(),
  });
  const repo = client.repository({ registry: reg.host, repository: name });
  const img = await pushImage(repo, 'v1');
  assert.equal((await repo.fetchManifest('v1')).digest, img.digest);
});

/** A real executable docker credential helper that answers `get` with a fixed JSON document. */
function writeHelper(binDir: string, name: string, answer: string): void {
  mkdirSync(binDir, { recursive: true });
  const path = join(binDir, `docker-credential-${name}`);
  writeFileSync(path, `#!/bin/sh\nread server\n[ "$1" = get ] || exit 2\necho '${answer}'\n`);
  chmodSync(path, 0o755);
}

test('HTTP Basic credentials are sent to a registry that asks for Basic (htpasswd)', async () => {
  const reg = await basicRegistry();
  const name = uniqueName('app');
  const repo = clientWith(reg, { kind: 'basic', username: 'alice', password: 'wonderland' }).repository({
    registry: reg.host,
    repository: name,
  });
  const img = await pushImage(repo, 'v1');
  assert.equal((await repo.fetchManifest('v1')).digest, img.digest);
});

test('a wrong Basic password, or none, is AUTH_FAILED', async () => {
  const reg = await basicRegistry();
  const name = uniqueName('app');
  const wrong = clientWith(reg, { kind: 'basic', username: 'alice', password: 'nope' });
  await assert.rejects(wrong.repository({ registry: reg.host, repository: name }).fetchManifest('v1'), {
    code: 'AUTH_FAILED',
  });
  const none = clientWith(reg, { kind: 'anonymous' });
  await assert.rejects(none.repository({ registry: reg.host, repository: name }).fetchManifest('v1'), {
    code: 'AUTH_FAILED',
  });
});

test('a blob redirect to another origin is followed without our credentials', async (t) => {
  const reg = await basicRegistry();
  const name = uniqueName('app');
  const proxy = await startTamperingProxy(t, reg.host);
  const client = new RegistryClient({
    insecureRegistries: [proxy.host],
    credentials: () => Promise.resolve({ kind: 'basic', username: 'alice', password: 'wonderland' }),
    now: () => new Date(),
  });
  const repo = client.repository({ registry: proxy.host, repository: name });
  const img = await pushImage(repo, 'v1');
  // A blob store on another origin, as registries backed by S3 or a CDN redirect to.
  const seenAuth: Array<string | undefined> = [];
  const store = createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    res.writeHead(200, { 'content-length': String(img.layer.bytes.byteLength) }).end(img.layer.bytes);
  });
  await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => store.close(() => resolve())));
  const storeUrl = `http://localhost:${(store.address() as AddressInfo).port}/blob`;
  proxy.rules.push(
    on('GET', /\/blobs\/sha256:/, () => ({ kind: 'respond', status: 307, headers: { location: storeUrl } })),
  );
  const chunks: Buffer[] = [];
  for await (const c of await repo.fetchBlob(img.layer.desc)) chunks.push(c as Buffer);
  assert.deepEqual(Buffer.concat(chunks), img.layer.bytes);
  assert.deepEqual(seenAuth, [undefined]);
});

test('an auths entry in the docker config logs in to a Basic registry', async (t) => {
  const reg = await basicRegistry();
  const name = uniqueName('app');
  const dir = mkdtempSync(join(tmpdir(), 'vouch-docker-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const auth = Buffer.from('alice:wonderland').toString('base64');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [`http://${reg.host}`]: { auth } } }));
  const client = registryClientFromEnv({
    dockerConfigDir: dir,
    insecureRegistries: [reg.host],
    now: () => new Date(),
  });
  const repo = client.repository({ registry: reg.host, repository: name });
  const img = await pushImage(repo, 'v1');
  assert.equal((await repo.resolve('v1')).digest, img.digest);
});
