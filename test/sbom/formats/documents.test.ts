import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  type SbomResult,
  generateSbom,
  openDirTree,
  renderTable,
  serializeCycloneDx,
  serializeSpdx,
  toCycloneDx,
  toSpdx,
} from '../../../src/sbom/index.js';
import { fixture, schemaErrors } from '../fixtures.js';

const now = new Date('2024-01-02T03:04:05.678Z');
const DIRS = [
  'npm-v3',
  'npm-v2',
  'npm-v1',
  'npm-workspaces',
  'yarn-classic',
  'yarn-berry',
  'pnpm-v5',
  'pnpm-v6',
  'pnpm-v9',
  'node-modules',
  'python-site',
  'poetry',
  'uv',
  'pipenv',
  'requirements',
  'go',
  'cargo',
  'ruby',
  'composer',
  'dotnet',
  'java',
  'gradle',
  'maven',
  'rootfs-debian',
  'rootfs-distroless',
  'rootfs-alpine',
  'rootfs-rhel',
];

async function scan(dir: string): Promise<SbomResult> {
  // Relative to the repository root (the test runner's cwd), so the source name is portable.
  return generateSbom(await openDirTree(`test/fixtures/sbom/${dir}`, { nodeModules: 'always' }));
}

for (const dir of DIRS) {
  test(`${dir}: CycloneDX 1.6, CycloneDX 1.7 and SPDX 2.3 documents validate against the official schemas`, async () => {
    const r = await scan(dir);
    assert.ok(r.components.length > 0);
    assert.deepEqual(schemaErrors('cdx16', toCycloneDx(r, { now })), []);
    assert.deepEqual(schemaErrors('cdx17', toCycloneDx(r, { now, specVersion: '1.7' })), []);
    assert.deepEqual(schemaErrors('spdx23', toSpdx(r, { now })), []);
  });
}

test('an image SBOM has the image as metadata.component and the OS as an operating-system component', async () => {
  const r = await generateSbom(await openDirTree('test/fixtures/sbom/rootfs-debian'), {
    image: { name: '127.0.0.1:5000/app', digest: `sha256:${'a'.repeat(64)}` },
  });
  const bom = toCycloneDx(r, { now });
  assert.deepEqual(schemaErrors('cdx16', bom), []);
  const meta = bom['metadata'] as { component: { type: string; name: string; version: string } };
  assert.equal(meta.component.type, 'container');
  assert.equal(meta.component.version, `sha256:${'a'.repeat(64)}`);
  const comps = bom['components'] as Array<{ type: string; name: string; version: string }>;
  assert.deepEqual(
    comps.find((c) => c.type === 'operating-system'),
    {
      'bom-ref': 'os:debian-12',
      type: 'operating-system',
      name: 'debian',
      version: '12',
      description: 'Debian GNU/Linux 12 (bookworm)',
    },
  );
  const spdx = toSpdx(r, { now });
  assert.deepEqual(schemaErrors('spdx23', spdx), []);
  const pkgs = spdx['packages'] as Array<{ primaryPackagePurpose?: string }>;
  assert.equal(pkgs[0]?.primaryPackagePurpose, 'CONTAINER');
});

test('the dependency graph appears as CycloneDX dependencies and SPDX DEPENDS_ON', async () => {
  const r = await scan('npm-v3');
  const bom = toCycloneDx(r, { now });
  const deps = bom['dependencies'] as Array<{ ref: string; dependsOn: string[] }>;
  assert.deepEqual(deps.find((d) => d.ref === 'pkg:npm/debug@4.3.4')?.dependsOn, ['pkg:npm/ms@2.1.2']);
  const spdx = toSpdx(r, { now });
  const rels = spdx['relationships'] as Array<{ relationshipType: string }>;
  // debug->ms, string-width->3, strip-ansi->ansi-regex, and the root project -> its 5 direct dependencies.
  assert.equal(rels.filter((x) => x.relationshipType === 'DEPENDS_ON').length, 10);
});

test('deterministic output: same input, byte-identical documents; the serial number follows the content', async () => {
  const a = await scan('npm-v3');
  const b = await scan('npm-v3');
  assert.equal(
    serializeCycloneDx(a, { now, deterministic: true }),
    serializeCycloneDx(b, { now, deterministic: true }),
  );
  assert.equal(
    serializeSpdx(a, { now, deterministic: true }),
    serializeSpdx(b, { now, deterministic: true }),
  );
  const serial = (s: string): unknown => (JSON.parse(s) as { serialNumber: unknown }).serialNumber;
  const s1 = serial(serializeCycloneDx(a, { now, deterministic: true }));
  const s2 = serial(serializeCycloneDx(a, { now: new Date(0), deterministic: true }));
  assert.match(String(s1), /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(s1, s2);
  assert.notEqual(serial(serializeCycloneDx(a, { now })), serial(serializeCycloneDx(a, { now })));
});

test('the serialised text and the document object carry the same content-derived identifiers', async () => {
  const r = await scan('cargo');
  assert.deepEqual(
    JSON.parse(serializeCycloneDx(r, { now, deterministic: true })),
    toCycloneDx(r, { now, deterministic: true }),
  );
  assert.deepEqual(
    JSON.parse(serializeSpdx(r, { now, deterministic: true })),
    toSpdx(r, { now, deterministic: true }),
  );
});

test('timestamps come from the injected time, second precision', async () => {
  const r = await scan('go');
  assert.equal(
    (toCycloneDx(r, { now })['metadata'] as { timestamp: string }).timestamp,
    '2024-01-02T03:04:05Z',
  );
  assert.equal((toSpdx(r, { now })['creationInfo'] as { created: string }).created, '2024-01-02T03:04:05Z');
});

test('golden documents for the npm fixture (VOUCH_UPDATE_GOLDEN=1 rewrites them)', async () => {
  const r = await scan('npm-v3');
  for (const [file, text] of [
    ['npm-v3.cdx.json', serializeCycloneDx(r, { now, deterministic: true })],
    ['npm-v3.spdx.json', serializeSpdx(r, { now, deterministic: true })],
    ['npm-v3.table.txt', renderTable(r)],
  ] as const) {
    const path = fixture('golden', file);
    if (process.env['VOUCH_UPDATE_GOLDEN'] === '1') writeFileSync(path, text);
    assert.equal(text, readFileSync(path, 'utf8'), file);
  }
});

test('the table lists name, version and ecosystem, noting non-required scopes', async () => {
  const table = renderTable(await scan('npm-v3'));
  assert.match(table, /^NAME\s+VERSION\s+TYPE\n/);
  assert.match(table, /\nis-number\s+7\.0\.0\s+npm \(dev\)\n/);
});
