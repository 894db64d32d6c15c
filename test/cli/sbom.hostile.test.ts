// `vouch sbom` against hostile sources: layer tars with ../ entries, truncated or tampered layers,
// lockfiles of unknown versions inside images, symlinks out of and looping inside a scanned directory.
// Each ends in the right code and exit status, with no crash and no SBOM file left behind.
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type TestContext, test } from 'node:test';
import { encodeHeader, padding, TAR_END } from '../../src/archive/index.js';
import { digestHex, sha256Digest } from '../../src/oci/digest.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { MediaType } from '../../src/oci/media-types.js';
import { generateSbom, openSbomSource, parseSbomSource } from '../../src/sbom/index.js';
import { runCli } from '../support/cli.js';
import { fixture } from '../sbom/fixtures.js';

function tempDir(t: TestContext, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vouch-sbom-hostile-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An OCI layout whose only layer is a blob the caller wrote (writeTar refuses hostile names). */
async function layoutWithRawLayer(
  t: TestContext,
  blob: Buffer,
  mediaType: string = MediaType.ociLayer,
): Promise<string> {
  const dir = join(tempDir(t, 'layout'), 'layout');
  const w = await createOciLayoutWriter(dir);
  const layer = { mediaType, digest: sha256Digest(blob), size: blob.length };
  await w.putBlob(layer, blob);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      config: {},
    }),
  );
  const configDesc = { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length };
  await w.putBlob(configDesc, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: configDesc,
    layers: [layer],
  };
  await w.putManifest(Buffer.from(JSON.stringify(manifest)), MediaType.ociManifest, 'evil');
  await w.commit();
  return dir;
}

function rawTar(name: string, content: Buffer): Buffer {
  return Buffer.concat([
    encodeHeader({ name, typeflag: '0', size: content.length }),
    content,
    padding(content.length),
    TAR_END,
  ]);
}

/** The code the scan fails with, through the library the command uses (`-o json` is an SBOM format here). */
async function scanCode(source: string, cwd: string): Promise<string> {
  try {
    const opened = await openSbomSource(parseSbomSource(source, cwd), {
      open: { cwd },
      defaultPlatform: { os: 'linux', architecture: 'amd64' },
    });
    await generateSbom(
      opened.tree,
      opened.kind === 'image' ? { image: opened.image, onBadFile: 'warn' } : {},
    );
  } catch (e) {
    return (e as { code?: string }).code ?? 'no code';
  }
  return 'no error';
}

const lock = readFileSync(fixture('npm-v3/package-lock.json'));

test('a layer entry climbing out with ../ is UNSAFE_PATH, exit 2, and no SBOM file is written', async (t) => {
  const dir = await layoutWithRawLayer(t, rawTar('../../etc/package-lock.json', lock));
  const out = tempDir(t, 'out');
  const r = await runCli(['sbom', `oci-dir:${dir}:evil`, '-o', 'cyclonedx-json=bom.json'], { cwd: out });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /\.\.\/\.\.\/etc\/package-lock\.json/);
  assert.deepEqual(readdirSync(out), []);
  assert.equal(await scanCode(`oci-dir:${dir}:evil`, out), 'UNSAFE_PATH');
});

test('a truncated gzip layer (digest matching the truncated bytes) is INPUT_MALFORMED, exit 2, no file', async (t) => {
  const whole = gzipSync(rawTar('app/package-lock.json', lock));
  const dir = await layoutWithRawLayer(
    t,
    whole.subarray(0, Math.floor(whole.length / 2)),
    MediaType.ociLayerGzip,
  );
  const out = tempDir(t, 'out');
  const r = await runCli(['sbom', `oci-dir:${dir}:evil`, '-o', 'spdx-json=bom.json'], { cwd: out });
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(readdirSync(out), []);
  assert.equal(await scanCode(`oci-dir:${dir}:evil`, out), 'INPUT_MALFORMED');
});

test('a layer blob altered after it was written is DIGEST_MISMATCH, exit 1, no file', async (t) => {
  const tar = rawTar('app/package-lock.json', lock);
  const dir = await layoutWithRawLayer(t, tar);
  // Same size, one byte flipped inside the lockfile: only the digest check can notice.
  const blobPath = join(dir, 'blobs', 'sha256', digestHex(sha256Digest(tar)));
  const tampered = Buffer.from(tar);
  tampered[600] = (tampered[600] ?? 0) ^ 0x20;
  writeFileSync(blobPath, tampered);
  const out = tempDir(t, 'out');
  const r = await runCli(['sbom', `oci-dir:${dir}:evil`, '-o', 'cyclonedx-json=bom.json'], { cwd: out });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(readdirSync(out), []);
  assert.equal(await scanCode(`oci-dir:${dir}:evil`, out), 'DIGEST_MISMATCH');
});

test('a lockfile of an unknown version inside an image is a warning, the rest of the image is cataloged', async (t) => {
  const bad = Buffer.from(JSON.stringify({ name: 'x', lockfileVersion: 7, packages: {} }));
  const dir = await layoutWithRawLayer(
    t,
    Buffer.concat([
      rawTar('srv/package-lock.json', bad).subarray(0, -1024),
      rawTar('app/package-lock.json', lock),
    ]),
  );
  const r = await runCli(['sbom', `oci-dir:${dir}:evil`, '-o', 'table']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: srv\/package-lock\.json: UNSUPPORTED: unsupported lockfileVersion 7/);
  assert.match(r.stdout, /\nms\s+2\.1\.2\s+npm\n/);
});

test('a dir scan does not follow a symlink out of the root, survives a symlink loop, and says so', async (t) => {
  const root = tempDir(t, 'dir');
  const outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'package-lock.json'), lock);
  const project = join(root, 'project');
  mkdirSync(project);
  symlinkSync(outside, join(project, 'escape'));
  symlinkSync(join(project, 'loop'), join(project, 'loop'));
  writeFileSync(join(project, 'requirements.txt'), 'six==1.17.0\n');
  const r = await runCli(['sbom', project, '-o', 'table']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: escape: symlink points outside the scanned directory/);
  assert.match(r.stderr, /warning: loop: dangling or looping symlink/);
  assert.match(r.stdout, /\nsix\s+1\.17\.0\s+pypi\n/);
  assert.doesNotMatch(r.stdout, /\bms\b/);
});

test('an unknown source scheme-like argument that is not a path or a reference is a usage error', async () => {
  const r = await runCli(['sbom', 'no such path/NOT A REF']);
  assert.equal(r.code, 2, r.stderr);
});
