// The dependency graph, per lockfile format: one edge the lockfile states (quoted beside it) must appear
// as a CycloneDX `dependencies` entry and as an SPDX DEPENDS_ON relationship between the same two
// packages, and every edge in either document must point at a package the document lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSbom, openDirTree, toCycloneDx, toSpdx } from '../../../src/sbom/index.js';
import { fixture } from '../fixtures.js';

const now = new Date(0);

const EDGES: Array<[format: string, dir: string, from: string, to: string, lockfileSays: string]> = [
  ['package-lock v1', 'npm-v1', 'pkg:npm/debug@4.3.4', 'pkg:npm/ms@2.1.2', 'debug: requires { ms: 2.1.2 }'],
  [
    'package-lock v2',
    'npm-v2',
    'pkg:npm/debug@4.3.4',
    'pkg:npm/ms@2.1.2',
    'node_modules/debug: dependencies { ms }',
  ],
  [
    'package-lock v3',
    'npm-v3',
    'pkg:npm/vouch-fixture-npm@1.0.0',
    'pkg:npm/debug@4.3.4',
    '"": dependencies { debug }',
  ],
  [
    'npm workspaces',
    'npm-workspaces',
    'pkg:npm/%40fx/b@0.2.0',
    'pkg:npm/ms@2.0.0',
    'packages/b/node_modules/ms',
  ],
  [
    'yarn classic',
    'yarn-classic',
    'pkg:npm/debug@4.3.4',
    'pkg:npm/ms@2.1.2',
    'debug@4.3.4: dependencies ms "2.1.2"',
  ],
  [
    'yarn berry',
    'yarn-berry',
    'pkg:npm/debug@4.3.4',
    'pkg:npm/ms@2.1.2',
    'debug@npm:4.3.4: dependencies ms: "npm:2.1.2"',
  ],
  [
    'yarn berry workspace',
    'yarn-berry',
    'pkg:npm/vouch-fixture-npm@1.0.0',
    'pkg:npm/debug@4.3.4',
    'vouch-fixture-npm@workspace:.: debug',
  ],
  ['pnpm 5', 'pnpm-v5', 'pkg:npm/debug@4.3.4', 'pkg:npm/ms@2.1.2', '/debug/4.3.4: dependencies ms: 2.1.2'],
  [
    'pnpm 5 keys',
    'pnpm-v5-keys',
    'pkg:npm/local-tools@0.3.0',
    'pkg:npm/%40scope/bar@2.0.0',
    'file:..: registry.npmjs.org/@scope/bar/2.0.0',
  ],
  ['pnpm 6', 'pnpm-v6', 'pkg:npm/debug@4.3.4', 'pkg:npm/ms@2.1.2', '/debug@4.3.4: dependencies ms: 2.1.2'],
  [
    'pnpm importers',
    'pnpm-workspace',
    'pkg:npm/%40ws/b@0.2.0',
    'pkg:npm/%40ws/a@0.1.0',
    'packages/b: @ws/a link:../a',
  ],
  ['pnpm 9', 'pnpm-v9', 'pkg:npm/debug@4.3.4', 'pkg:npm/ms@2.1.2', 'snapshots debug@4.3.4: ms: 2.1.2'],
  [
    'installed node_modules',
    'node-modules',
    'pkg:npm/debug@4.3.4',
    'pkg:npm/ms@2.1.2',
    'node_modules/debug/package.json: dependencies ms',
  ],
  [
    'bun.lock',
    'bun',
    'pkg:npm/%40fx/a@0.2.0',
    'pkg:npm/ms@2.0.0',
    'workspaces packages/a: ms; packages "@fx/a/ms"',
  ],
  [
    'poetry.lock',
    'poetry',
    'pkg:pypi/anyio@4.6.2.post1',
    'pkg:pypi/idna@3.10',
    'anyio [package.dependencies] idna',
  ],
  [
    'poetry 2',
    'poetry-2',
    'pkg:pypi/pytest@8.3.3',
    'pkg:pypi/iniconfig@2.0.0',
    'pytest [package.dependencies] iniconfig',
  ],
  [
    'pdm.lock',
    'pdm',
    'pkg:pypi/requests@2.32.3',
    'pkg:pypi/urllib3@2.2.3',
    'requests dependencies "urllib3<3,>=1.21.1"',
  ],
  [
    'Cargo.lock',
    'cargo',
    'pkg:cargo/aho-corasick@1.1.5',
    'pkg:cargo/memchr@2.8.3',
    'aho-corasick dependencies ["memchr"]',
  ],
  [
    'Gemfile.lock',
    'ruby',
    'pkg:gem/addressable@2.9.0',
    'pkg:gem/public_suffix@7.0.5',
    'addressable: public_suffix',
  ],
  [
    'Gemfile.lock PATH',
    'ruby-git-path',
    'pkg:gem/myapp@0.1.0',
    'pkg:gem/private-gem@2.3.1',
    'PATH myapp: private-gem',
  ],
  [
    'composer.lock',
    'composer',
    'pkg:composer/phar-io/manifest@1.0.3',
    'pkg:composer/phar-io/version@2.0.1',
    'require phar-io/version',
  ],
  [
    'packages.lock.json',
    'dotnet',
    'pkg:nuget/NAudio@1.10.0',
    'pkg:nuget/System.Resources.Extensions@4.7.0',
    'NAudio dependencies',
  ],
  [
    'mix.lock',
    'mix',
    'pkg:hex/phoenix@1.7.10',
    'pkg:hex/plug@1.15.3',
    'phoenix deps {:plug, "~> 1.14", ...}',
  ],
  [
    'dpkg status',
    'rootfs-debian',
    'pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl',
    'pkg:deb/debian/libc6@2.36-9+deb12u14?arch=amd64&distro=debian-12&upstream=glibc',
    'libssl3 Depends: libc6',
  ],
  [
    'apk installed',
    'rootfs-alpine',
    'pkg:apk/alpine/libretls@3.3.4-r2?arch=x86_64&distro=alpine-3.14.2',
    'pkg:apk/alpine/musl@1.2.2-r7?arch=x86_64&distro=alpine-3.14.2',
    'libretls D: so:libc.musl',
  ],
];

for (const [format, dir, from, to, says] of EDGES) {
  test(`${format}: the lockfile's edge (${says}) is a CycloneDX dependency and an SPDX DEPENDS_ON`, async () => {
    const r = await generateSbom(await openDirTree(fixture(dir)));
    const bom = toCycloneDx(r, { now });
    const deps = bom['dependencies'] as Array<{ ref: string; dependsOn: string[] }>;
    assert.ok(deps.find((d) => d.ref === from)?.dependsOn.includes(to), `CycloneDX: ${from} -> ${to}`);
    const refs = new Set([
      ...(bom['components'] as Array<{ 'bom-ref': string }>).map((c) => c['bom-ref']),
      (bom['metadata'] as { component: { 'bom-ref': string } }).component['bom-ref'],
    ]);
    for (const d of deps)
      for (const t of [d.ref, ...d.dependsOn]) assert.ok(refs.has(t), `dangling ref ${t}`);

    const spdx = toSpdx(r, { now });
    const packages = spdx['packages'] as Array<{
      SPDXID: string;
      externalRefs?: Array<{ referenceLocator: string }>;
    }>;
    const idOf = (purl: string): string | undefined =>
      packages.find((p) => p.externalRefs?.some((x) => x.referenceLocator === purl))?.SPDXID;
    const rels = spdx['relationships'] as Array<{
      spdxElementId: string;
      relationshipType: string;
      relatedSpdxElement: string;
    }>;
    assert.ok(
      rels.some(
        (x) =>
          x.relationshipType === 'DEPENDS_ON' &&
          x.spdxElementId === idOf(from) &&
          x.relatedSpdxElement === idOf(to),
      ),
      `SPDX: ${from} DEPENDS_ON ${to}`,
    );
    const ids = new Set(packages.map((p) => p.SPDXID));
    for (const x of rels.filter((y) => y.relationshipType === 'DEPENDS_ON'))
      assert.ok(ids.has(x.spdxElementId) && ids.has(x.relatedSpdxElement));
  });
}
