// `vouch sbom` on images, end to end: a real image (dpkg status + os-release + package-lock + a python
// dist-info) built with src/oci/image-builder.ts, pushed to a real registry with `vouch copy`, and
// scanned from registry:, oci-dir: and docker-archive:; platforms of an index; --attest.
// Hostile layers are in sbom.hostile.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  buildImage,
  buildIndex,
  composeImage,
  type ImageFile,
  type ImageSpec,
} from '../../src/oci/image-builder.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { runCli } from '../support/cli.js';
import { dockerSave } from '../support/docker-save.js';
import { ENV, keyPair } from './sign-setup.js';
import { startRegistry } from '../support/registry.js';
import { fixture, schemaErrors } from '../sbom/fixtures.js';
import { statementOfLine } from '../support/envelope.js';

interface CdxDoc {
  metadata: { component: { type: string; name: string; version: string } };
  components: Array<{
    purl?: string;
    type: string;
    name: string;
    properties?: Array<{ name: string; value: string }>;
  }>;
}

const scope = { after: (fn: () => unknown) => after(async () => void (await fn())) };
const CREATED = new Date('2026-01-01T00:00:00Z');
const EPOCH = { SOURCE_DATE_EPOCH: '1767225600' };

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vouch-sbom-img-${name}-`));
  scope.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function file(path: string, fixturePath: string): ImageFile {
  return { path, content: readFileSync(fixture(fixturePath)) };
}

const SITE = 'usr/lib/python3/dist-packages';
const baseLayer: ImageFile[] = [
  file('etc/os-release', 'rootfs-debian/etc/os-release'),
  file('var/lib/dpkg/status', 'rootfs-debian/var/lib/dpkg/status'),
  file(`${SITE}/six-1.17.0.dist-info/METADATA`, 'python-site/site-packages/six-1.17.0.dist-info/METADATA'),
  file(
    `${SITE}/typing_extensions-4.15.0.dist-info/METADATA`,
    'python-site/site-packages/typing_extensions-4.15.0.dist-info/METADATA',
  ),
];
const appLayer: ImageFile[] = [
  file('app/package.json', 'npm-v3/package.json'),
  file('app/package-lock.json', 'npm-v3/package-lock.json'),
  // The upper layer uninstalls typing_extensions: an OCI whiteout (image-spec layer.md "Whiteouts").
  { path: `${SITE}/.wh.typing_extensions-4.15.0.dist-info`, content: '' },
];
const appSpec: ImageSpec = { created: CREATED, layers: [baseLayer, appLayer] };

const registry = await startRegistry(scope);
const work = tempDir('work');
const layout = join(work, 'layout');
const w = await createOciLayoutWriter(layout);
const built = await buildImage(w, { ...appSpec, tag: 'v1' });
await w.commit();
const pushed = await runCli([
  'copy',
  '--insecure-registry',
  `oci-dir:${layout}:v1`,
  `${registry.host}/sbom/app:v1`,
]);
assert.equal(pushed.code, 0, pushed.stderr);
const archive = join(work, 'app.tar');
writeFileSync(archive, dockerSave([{ image: composeImage(appSpec), repoTags: ['sbom/app:v1'] }], 'oci'));
const legacyArchive = join(work, 'app-legacy.tar');
writeFileSync(
  legacyArchive,
  dockerSave([{ image: composeImage(appSpec), repoTags: ['sbom/app:v1'] }], 'legacy'),
);

async function scan(source: string, extra: string[] = []): Promise<CdxDoc> {
  const r = await runCli(['sbom', '--insecure-registry', ...extra, source, '-o', 'cyclonedx-json'], {
    env: EPOCH,
  });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as CdxDoc;
  assert.deepEqual(schemaErrors('cdx16', doc), []);
  return doc;
}

function purls(doc: CdxDoc): string[] {
  return doc.components.flatMap((c) => (c.purl ? [c.purl] : [])).sort();
}

test('an image from a registry lists its OS, npm and python packages under the image name and digest', async () => {
  const doc = await scan(`registry:${registry.host}/sbom/app:v1`);
  assert.deepEqual(doc.metadata.component.name, `${registry.host}/sbom/app`);
  assert.equal(doc.metadata.component.version, built.descriptor.digest);
  assert.equal(doc.metadata.component.type, 'container');
  const p = purls(doc);
  assert.ok(
    p.some((x) => x.startsWith('pkg:deb/debian/base-files@') && x.includes('distro=debian-12')),
    p.join('\n'),
  );
  assert.ok(p.includes('pkg:npm/ms@2.1.2'));
  assert.ok(p.includes('pkg:pypi/six@1.17.0'));
  assert.ok(doc.components.some((c) => c.type === 'operating-system' && c.name === 'debian'));
});

test('a package whited out in an upper layer is absent from the image SBOM', async () => {
  const p = purls(await scan(`oci-dir:${layout}:v1`));
  assert.ok(p.includes('pkg:pypi/six@1.17.0'));
  assert.equal(
    p.some((x) => x.startsWith('pkg:pypi/typing-extensions')),
    false,
  );
});

test('registry:, bare reference, oci-dir: and docker-archive: (both layouts) of the same image give the same components', async () => {
  const fromRegistry = purls(await scan(`registry:${registry.host}/sbom/app:v1`));
  const bare = purls(await scan(`${registry.host}/sbom/app:v1`));
  const fromLayout = await scan(`oci-dir:${layout}:v1`);
  const fromArchive = await scan(`docker-archive:${archive}`);
  const fromLegacyArchive = await scan(`docker-archive:${legacyArchive}:sbom/app:v1`);
  assert.deepEqual(bare, fromRegistry);
  assert.deepEqual(purls(fromLayout), fromRegistry);
  assert.deepEqual(purls(fromArchive), fromRegistry);
  assert.deepEqual(purls(fromLegacyArchive), fromRegistry);
  assert.equal(fromLayout.metadata.component.name, `oci-dir:${layout}`);
  assert.equal(fromLayout.metadata.component.version, built.descriptor.digest);
  assert.equal(fromArchive.metadata.component.name, `docker-archive:${archive}`);
});

test('an image SBOM is reproducible under SOURCE_DATE_EPOCH and SPDX-valid', async () => {
  const a = await runCli(['sbom', '--insecure-registry', `${registry.host}/sbom/app:v1`, '-o', 'spdx-json'], {
    env: EPOCH,
  });
  const b = await runCli(['sbom', `oci-dir:${layout}:v1`, '-o', 'spdx-json'], { env: EPOCH });
  const c = await runCli(['sbom', `oci-dir:${layout}:v1`, '-o', 'spdx-json'], { env: EPOCH });
  assert.equal(a.code, 0, a.stderr);
  assert.deepEqual(schemaErrors('spdx23', JSON.parse(a.stdout)), []);
  assert.equal(b.stdout, c.stdout);
});

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

test('an index resolves to this machine platform by default and says so; --platform picks another', async () => {
  const here = ARCH[process.arch];
  assert.ok(here, `tests run on amd64 or arm64 machines, not ${process.arch}`);
  const other = here === 'amd64' ? 'arm64' : 'amd64';
  const dir = join(tempDir('index'), 'layout');
  const iw = await createOciLayoutWriter(dir);
  const index = await buildIndex(
    iw,
    [
      { ...appSpec, platform: { os: 'linux', architecture: here } },
      {
        created: CREATED,
        platform: { os: 'linux', architecture: other },
        layers: [[file('srv/package-lock.json', 'npm-v1/package-lock.json')]],
      },
    ],
    { tag: 'multi' },
  );
  await iw.commit();
  const def = await runCli(['sbom', `oci-dir:${dir}:multi`], { env: EPOCH });
  assert.equal(def.code, 0, def.stderr);
  assert.match(def.stderr, new RegExp(`cataloging linux/${here} \\(this machine's platform\\)`));
  const defDoc = JSON.parse(def.stdout) as CdxDoc;
  assert.equal(defDoc.metadata.component.version, index.images[0]?.descriptor.digest);
  assert.ok(purls(defDoc).includes('pkg:pypi/six@1.17.0'));

  const picked = await runCli(['sbom', '--platform', `linux/${other}`, `oci-dir:${dir}:multi`], {
    env: EPOCH,
  });
  assert.equal(picked.code, 0, picked.stderr);
  assert.doesNotMatch(picked.stderr, /this machine's platform/);
  const pickedDoc = JSON.parse(picked.stdout) as CdxDoc;
  assert.equal(pickedDoc.metadata.component.version, index.images[1]?.descriptor.digest);
  assert.equal(purls(pickedDoc).includes('pkg:pypi/six@1.17.0'), false);

  const missing = await runCli(['sbom', '--platform', 'linux/s390x', `oci-dir:${dir}:multi`]);
  assert.equal(missing.code, 2, missing.stderr);
});

test('sbom --attest signs the CycloneDX document and attaches it to the image digest it describes', async () => {
  const keys = await keyPair(scope);
  const ref = `${registry.host}/sbom/attested:v1`;
  const copied = await runCli(['copy', '--insecure-registry', `oci-dir:${layout}:v1`, ref]);
  assert.equal(copied.code, 0, copied.stderr);
  const made = await runCli(
    ['sbom', '--insecure-registry', '--attest', '--key', keys.key, ref, '-o', 'table'],
    {
      env: { ...ENV, ...EPOCH },
    },
  );
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stderr, new RegExp(`attested ${registry.host}/sbom/attested@${built.descriptor.digest}`));
  const v = await runCli(
    ['verify-attestation', '--insecure-registry', '--type', 'cyclonedx', '--key', keys.pub, ref],
    { env: ENV },
  );
  assert.equal(v.code, 0, v.stderr);
  const statement = statementOfLine(v.stdout.trim().split('\n')[0]) as {
    subject: Array<{ digest: { sha256: string } }>;
    predicate: CdxDoc;
  };
  assert.equal(`sha256:${statement.subject[0]?.digest.sha256}`, built.descriptor.digest);
  assert.ok(purls(statement.predicate).includes('pkg:npm/ms@2.1.2'));
});

test('sbom --attest-type spdxjson attaches the SPDX document as an spdxjson attestation', async () => {
  const keys = await keyPair(scope);
  const ref = `${registry.host}/sbom/attested-spdx:v1`;
  assert.equal((await runCli(['copy', '--insecure-registry', `oci-dir:${layout}:v1`, ref])).code, 0);
  const made = await runCli(
    [
      'sbom',
      '--insecure-registry',
      '--attest',
      '--attest-type',
      'spdxjson',
      '--key',
      keys.key,
      ref,
      '-o',
      'table',
    ],
    { env: { ...ENV, ...EPOCH } },
  );
  assert.equal(made.code, 0, made.stderr);
  const v = await runCli(
    ['verify-attestation', '--insecure-registry', '--type', 'spdxjson', '--key', keys.pub, ref],
    {
      env: ENV,
    },
  );
  assert.equal(v.code, 0, v.stderr);
  const statement = statementOfLine(v.stdout.trim().split('\n')[0]) as {
    predicate: { spdxVersion: string };
  };
  assert.equal(statement.predicate.spdxVersion, 'SPDX-2.3');
});
