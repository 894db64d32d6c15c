// cosign's helper commands with cosign's meaning: public-key, triangulate, tree, attach
// signature|attestation|sbom (sigstore/cosign cmd/cosign/cli/{public_key,triangulate,tree}.go, attach/).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { attestImage } from '../../src/sign/attest-image.js';
import { digestHex } from '../../src/oci/digest.js';
import { decryptCosignKey } from '../../src/crypto/cosign-key.js';
import { buildSimpleSigningPayload } from '../../src/sign/simple-signing.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { statementOfLine } from '../support/envelope.js';
import { ENV, fileScope, keyPair, layoutWith, PASSWORD, pushImage, tempDir } from './sign-setup.js';

const reg = await startRegistry(fileScope);
const keys = await keyPair(fileScope);
const CDX = JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [] });

test('public-key prints the public half of an encrypted cosign key, as cosign.pub holds it', async (t) => {
  const r = await runCli(['public-key', '--key', keys.key], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(keys.pub, 'utf8'));
  const dir = tempDir(t, 'pub');
  const w = await runCli(['public-key', '--key', keys.key, '--outfile', 'out.pub'], { env: ENV, cwd: dir });
  assert.equal(w.code, 0, w.stderr);
  assert.equal(readFileSync(join(dir, 'out.pub'), 'utf8'), readFileSync(keys.pub, 'utf8'));
});

test('public-key with a wrong password fails and prints nothing', async () => {
  const r = await runCli(['public-key', '--key', keys.key], { env: { VOUCH_PASSWORD: 'nope' } });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
});

test('triangulate names the .sig, .att and .sbom tags of the digest a tag resolves to', async (t) => {
  const ref = `${reg.host}/tri/app:v1`;
  const digest = await pushImage(t, ref, 'triangulate\n');
  const hex = digestHex(digest);
  const cases: [string[], string][] = [
    [[], `${reg.host}/tri/app:sha256-${hex}.sig`],
    [['--type', 'attestation'], `${reg.host}/tri/app:sha256-${hex}.att`],
    [['--type', 'sbom'], `${reg.host}/tri/app:sha256-${hex}.sbom`],
    [['--type', 'digest'], `${reg.host}/tri/app@${digest}`],
  ];
  for (const [extra, want] of cases) {
    const r = await runCli(['triangulate', ...extra, ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${want}\n`);
  }
});

test('tree lists signatures, attestations and SBOMs under their tags and bundle referrers, in cosign tree shape', async (t) => {
  const ref = `${reg.host}/tree/app:v1`;
  const digest = await pushImage(t, ref, 'tree\n');
  const hex = digestHex(digest);
  const empty = await runCli(['tree', ref]);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /No Supply Chain Security Related Artifacts found for image/);
  const dir = tempDir(t, 'tree');
  writeFileSync(join(dir, 'sbom.cdx.json'), CDX);
  for (const argv of [
    ['sign', '--key', keys.key, ref],
    ['sign', '--key', keys.key, '-a', 'second=1', ref],
    ['sign', '--format', 'bundle', '--key', keys.key, ref],
    ['attest', '--type', 'cyclonedx', '--predicate', join(dir, 'sbom.cdx.json'), '--key', keys.key, ref],
    ['attach', 'sbom', '--type', 'cyclonedx', '--sbom', join(dir, 'sbom.cdx.json'), ref],
  ]) {
    const r = await runCli(argv, { env: ENV });
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  }
  const r = await runCli(['tree', ref]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `📦 Supply Chain Security Related artifacts for an image: ${ref}`);
  const cherry = /^ {3}[└├]── 🍒 sha256:[0-9a-f]{64}$/;
  assert.equal(lines[1], `└── 💾 Attestations for an image tag: ${reg.host}/tree/app:sha256-${hex}.att`);
  assert.match(lines[2] ?? '', cherry);
  assert.equal(lines[3], `└── 🔐 Signatures for an image tag: ${reg.host}/tree/app:sha256-${hex}.sig`);
  assert.match(lines[4] ?? '', /^ {3}├── 🍒 /);
  assert.match(lines[5] ?? '', /^ {3}└── 🍒 /);
  assert.equal(lines[6], `└── 📦 SBOMs for an image tag: ${reg.host}/tree/app:sha256-${hex}.sbom`);
  assert.match(lines[7] ?? '', cherry);
  assert.match(
    lines[8] ?? '',
    new RegExp(
      `^└── 🔗 application/vnd\\.dev\\.sigstore\\.bundle\\.v0\\.3\\+json artifacts via OCI referrer: ${reg.host}/tree/app@sha256:[0-9a-f]{64}$`,
    ),
  );
  assert.match(lines[9] ?? '', cherry);
  const json = await runCli(['tree', '-o', 'json', ref]);
  const doc = JSON.parse(json.stdout) as { tags: { kind: string; layers: string[] }[]; referrers: unknown[] };
  assert.deepEqual(
    doc.tags.map((x) => [x.kind, x.layers.length]),
    [
      ['attestations', 1],
      ['signatures', 2],
      ['sboms', 1],
    ],
  );
  assert.equal(doc.referrers.length, 1);
});

test('attach signature stores a signature made elsewhere, and verify accepts it with the key', async (t) => {
  const ref = `${reg.host}/attach-sig/app:v1`;
  const digest = await pushImage(t, ref, 'attach signature\n');
  const dir = tempDir(t, 'attach-sig');
  writeFileSync(
    join(dir, 'payload.json'),
    buildSimpleSigningPayload({ dockerReference: `${reg.host}/attach-sig/app`, digest }),
  );
  const s = await runCli(
    ['sign-blob', '--key', keys.key, '--output-signature', 'payload.sig', 'payload.json'],
    {
      env: ENV,
      cwd: dir,
    },
  );
  assert.equal(s.code, 0, s.stderr);
  const before = await runCli(['verify', '--key', keys.pub, ref]);
  assert.equal(before.code, 1);
  const a = await runCli(
    ['attach', 'signature', '--payload', 'payload.json', '--signature', 'payload.sig', ref],
    {
      cwd: dir,
    },
  );
  assert.equal(a.code, 0, a.stderr);
  const after = await runCli(['verify', '--key', keys.pub, ref]);
  assert.equal(after.code, 0, after.stderr);
});

test('attach signature refuses a payload that names another image (exit 2) and attaches nothing', async (t) => {
  const ref = `${reg.host}/attach-other/app:v1`;
  await pushImage(t, ref, 'attach other\n');
  const otherDigest = await pushImage(t, `${reg.host}/attach-other/else:v1`, 'something else\n');
  const dir = tempDir(t, 'attach-other');
  writeFileSync(
    join(dir, 'payload.json'),
    buildSimpleSigningPayload({ dockerReference: `${reg.host}/attach-other/else`, digest: otherDigest }),
  );
  writeFileSync(join(dir, 'payload.sig'), Buffer.from('not checked').toString('base64'));
  const a = await runCli(
    ['attach', 'signature', '--payload', 'payload.json', '--signature', 'payload.sig', ref],
    {
      cwd: dir,
    },
  );
  assert.equal(a.code, 2, a.stderr);
  const tree = await runCli(['tree', '-o', 'json', ref]);
  assert.deepEqual((JSON.parse(tree.stdout) as { tags: unknown[] }).tags, []);
});

test('attach attestation stores a DSSE envelope, and verify-attestation prints it back', async (t) => {
  const ref = `${reg.host}/attach-att/app:v1`;
  const digest = await pushImage(t, ref, 'attach attestation\n');
  const key = await decryptCosignKey(readFileSync(keys.key, 'utf8'), PASSWORD, 'cosign.key');
  const { layer } = attestImage(key, {
    subjectName: `${reg.host}/attach-att/app`,
    digest,
    predicateType: 'https://example.com/review/v1',
    predicate: { reviewed: true },
  });
  const dir = tempDir(t, 'attach-att');
  writeFileSync(join(dir, 'att.json'), layer.blob);
  const a = await runCli(['attach', 'attestation', '--attestation', join(dir, 'att.json'), ref]);
  assert.equal(a.code, 0, a.stderr);
  const v = await runCli([
    'verify-attestation',
    '--type',
    'https://example.com/review/v1',
    '--key',
    keys.pub,
    ref,
  ]);
  assert.equal(v.code, 0, v.stderr);
  assert.deepEqual((statementOfLine(v.stdout.trim()) as { predicate: unknown }).predicate, {
    reviewed: true,
  });
});

test('attach sbom stores the document under the .sbom tag with cosign media types', async (t) => {
  const ref = `${reg.host}/attach-sbom/app:v1`;
  await pushImage(t, ref, 'attach sbom\n');
  const dir = tempDir(t, 'attach-sbom');
  writeFileSync(join(dir, 'sbom.xml'), '<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"/>');
  const a = await runCli(['attach', 'sbom', '--type', 'cyclonedx', '--sbom', 'sbom.xml', ref], { cwd: dir });
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stderr, /application\/vnd\.cyclonedx\+xml/);
  const d = await runCli(['download', 'sbom', '-o', 'json', ref]);
  const doc = JSON.parse(d.stdout) as { sboms: { mediaType: string; document: unknown }[] };
  assert.equal(doc.sboms[0]?.mediaType, 'application/vnd.cyclonedx+xml');
  const bad = await runCli(
    ['attach', 'sbom', '--type', 'spdx', '--input-format', 'xml', '--sbom', 'sbom.xml', ref],
    {
      cwd: dir,
    },
  );
  assert.equal(bad.code, 2);
});

test('clean deletes the signature, attestation and SBOM tags, and verify then finds nothing', async (t) => {
  const ref = `${reg.host}/clean/app:v1`;
  await pushImage(t, ref, 'clean\n');
  const dir = tempDir(t, 'clean');
  writeFileSync(join(dir, 'sbom.cdx.json'), CDX);
  for (const argv of [
    ['sign', '--key', keys.key, ref],
    ['attest', '--predicate', join(dir, 'sbom.cdx.json'), '--key', keys.key, ref],
    ['attach', 'sbom', '--type', 'cyclonedx', '--sbom', join(dir, 'sbom.cdx.json'), ref],
  ]) {
    assert.equal((await runCli(argv, { env: ENV })).code, 0, argv.join(' '));
  }
  const sigOnly = await runCli(['clean', '--type', 'signature', '-f', ref]);
  assert.equal(sigOnly.code, 0, sigOnly.stderr);
  const tags = async (): Promise<string[]> =>
    (JSON.parse((await runCli(['tree', '-o', 'json', ref])).stdout) as { tags: { kind: string }[] }).tags.map(
      (x) => x.kind,
    );
  assert.deepEqual(await tags(), ['attestations', 'sboms']);
  assert.equal((await runCli(['verify', '--key', keys.pub, ref])).code, 1);
  const all = await runCli(['clean', '--force', ref]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(await tags(), []);
  // The image itself stays.
  assert.equal((await runCli(['digest', ref])).code, 0);
});

test("save writes cosign's layout (kind annotations, no tags); load pushes it elsewhere and it still verifies", async (t) => {
  const ref = `${reg.host}/save/app:v1`;
  const digest = await pushImage(t, ref, 'save\n');
  const dir = tempDir(t, 'save');
  writeFileSync(join(dir, 'sbom.cdx.json'), CDX);
  assert.equal((await runCli(['sign', '--key', keys.key, ref], { env: ENV })).code, 0);
  const att = await runCli(['attest', '--predicate', join(dir, 'sbom.cdx.json'), '--key', keys.key, ref], {
    env: ENV,
  });
  assert.equal(att.code, 0, att.stderr);
  const s = await runCli(['save', '--dir', join(dir, 'saved'), ref]);
  assert.equal(s.code, 0, s.stderr);
  const index = JSON.parse(readFileSync(join(dir, 'saved', 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  assert.deepEqual(index.manifests.map((m) => m.annotations?.['kind']).sort(), [
    'dev.cosignproject.cosign/atts',
    'dev.cosignproject.cosign/image',
    'dev.cosignproject.cosign/sigs',
  ]);
  assert.equal(
    index.manifests.find((m) => m.annotations?.['kind'] === 'dev.cosignproject.cosign/image')?.digest,
    digest,
  );
  const target = `${reg.host}/loaded/app:v2`;
  const l = await runCli(['load', '--dir', join(dir, 'saved'), target]);
  assert.equal(l.code, 0, l.stderr);
  assert.equal(l.stdout, `${reg.host}/loaded/app@${digest}\n`);
  assert.equal((await runCli(['verify', '--key', keys.pub, target])).code, 0);
  assert.equal((await runCli(['verify-attestation', '--key', keys.pub, target])).code, 0);
});

test('load refuses a directory that is not a saved image', async (t) => {
  const dir = tempDir(t, 'load-bad');
  const plain = await layoutWith(t, 'plain\n');
  const r = await runCli(['load', '--dir', plain.dir, `${reg.host}/load-bad/app:v1`], { cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /kind dev\.cosignproject\.cosign\/image/);
});
