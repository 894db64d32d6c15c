import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SBOMS, scanEnv, VEX_DIR } from './scan-setup.js';

test('an SBOM file that is not JSON is INPUT_MALFORMED (exit 2)', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  await writeFile(join(dir, 'bad.json'), '{"bomFormat": "CycloneDX", "components": [');
  const r = await vouch(['scan', 'bad.json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not JSON/);
});

test('a JSON file that is neither CycloneDX nor SPDX is refused naming both markers', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  await writeFile(join(dir, 'x.json'), '{"hello": "world"}');
  const r = await vouch(['scan', 'x.json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bomFormat/);
});

test('an unknown output format is a usage error before anything is read', async (t) => {
  const { vouch } = await scanEnv(t, { build: false });
  const r = await vouch(['scan', join(SBOMS, 'spdx-2.3.json'), '-o', 'xml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown output format "xml"/);
});

test('a VEX document that is not JSON fails before the scan writes any output', async (t) => {
  const { vouch, dir } = await scanEnv(t);
  await writeFile(join(dir, 'v.json'), 'not json');
  const r = await vouch(['scan', join(SBOMS, 'spdx-2.3.json'), '--vex', 'v.json', '-o', 'sarif=out.sarif']);
  assert.equal(r.code, 2);
  assert.ok(!(await readdir(dir)).includes('out.sarif'));
});

test('a VEX document of neither format names the fields it looked for', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = await vouch(['scan', join(SBOMS, 'spdx-2.3.json'), '--vex', join(SBOMS, 'spdx-2.3.json')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /neither OpenVEX/);
});

test('a missing --vex file is FILE_NOT_FOUND (exit 3)', async (t) => {
  const { vouch } = await scanEnv(t);
  const r = await vouch(['scan', join(SBOMS, 'spdx-2.3.json'), '--vex', join(VEX_DIR, 'nope.json')]);
  assert.equal(r.code, 3);
});
