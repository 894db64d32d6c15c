import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pythonInstalledCataloger } from '../../../src/sbom/catalogers/python-installed.js';
import {
  pipfileLockCataloger,
  poetryLockCataloger,
  requirementsTxtCataloger,
  uvLockCataloger,
} from '../../../src/sbom/catalogers/python-locks.js';
import { catalogFixture, catalogText, purls } from '../fixtures.js';

const site = 'python-site/site-packages';

test('dist-info METADATA: names are PEP 503-normalised in the purl, kept as written in name', () => {
  const r = catalogFixture(
    pythonInstalledCataloger,
    `${site}/python_dateutil-2.9.0.post0.dist-info/METADATA`,
  );
  assert.deepEqual(
    r.components.map((c) => [c.name, c.purl]),
    [['python-dateutil', 'pkg:pypi/python-dateutil@2.9.0.post0']],
  );
  const te = catalogFixture(pythonInstalledCataloger, `${site}/typing_extensions-4.15.0.dist-info/METADATA`);
  assert.equal(te.components[0]?.purl, 'pkg:pypi/typing-extensions@4.15.0');
});

test('dist-info METADATA: License-Expression (PEP 639) is the declared license; free text is not', () => {
  const te = catalogFixture(pythonInstalledCataloger, `${site}/typing_extensions-4.15.0.dist-info/METADATA`);
  assert.equal(te.components[0]?.license, 'PSF-2.0');
  const du = catalogFixture(
    pythonInstalledCataloger,
    `${site}/python_dateutil-2.9.0.post0.dist-info/METADATA`,
  );
  assert.equal(du.components[0]?.license, undefined); // "Dual License" is prose, not an SPDX id
});

test('poetry.lock: every [[package]], with a sha256 and name-resolved edges', () => {
  const r = catalogFixture(poetryLockCataloger, 'poetry/poetry.lock');
  assert.equal(r.components.length, 56);
  const anyio = r.components.find((c) => c.purl === 'pkg:pypi/anyio@4.6.2.post1');
  assert.ok(anyio);
  assert.deepEqual(anyio.hashes, [
    { alg: 'SHA-256', content: '4c8bc31ccdb51c7f7bd251f51c609e038d63e34219b44aa86e47576389880b4c' },
  ]);
  assert.ok(anyio.dependsOn?.some((d) => d.startsWith('pkg:pypi/idna@')));
});

test('uv.lock: registry packages are listed, the editable/virtual project is marked origin root', () => {
  const r = catalogFixture(uvLockCataloger, 'uv/uv.lock');
  assert.equal(r.components.length, 8);
  assert.ok(purls(r).includes('pkg:pypi/annotated-types@0.7.0'));
  const project = catalogText(
    uvLockCataloger,
    'uv.lock',
    'version = 1\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n',
  );
  assert.deepEqual(
    project.components.map((c) => [c.purl, c.origin]),
    [['pkg:pypi/app@0.1.0', 'root']],
  );
});

test('uv.lock: an unknown version is UNSUPPORTED', () => {
  assert.throws(() => catalogText(uvLockCataloger, 'uv.lock', 'version = 2\n'), { code: 'UNSUPPORTED' });
});

test('Pipfile.lock: default is required, develop is dev, versions lose their ==', () => {
  const r = catalogFixture(pipfileLockCataloger, 'pipenv/Pipfile.lock');
  const req = r.components.find((c) => c.name === 'requests');
  assert.equal(req?.version, '2.33.0');
  assert.equal(req?.scope, 'required');
  assert.ok(r.components.some((c) => c.scope === 'dev'));
});

test('requirements.txt: only pinned lines count, continuation lines carry --hash', () => {
  const r = catalogFixture(requirementsTxtCataloger, 'requirements/requirements.txt');
  assert.deepEqual(purls(r), [
    'pkg:pypi/certifi@2026.2.25',
    'pkg:pypi/charset-normalizer@3.4.6',
    'pkg:pypi/idna@3.15',
    'pkg:pypi/requests@2.33.0',
    'pkg:pypi/urllib3@2.7.0',
  ]);
  assert.equal(r.components.find((c) => c.name === 'requests')?.hashes?.length, 1);
  assert.equal(requirementsTxtCataloger.matches('requirements-dev.txt', undefined, 1), true);
  assert.equal(requirementsTxtCataloger.matches('docs/notes.txt', undefined, 1), false);
});

test('requirements.txt: extras and markers do not change the pinned name and version', () => {
  const r = catalogText(
    requirementsTxtCataloger,
    'requirements.txt',
    'Django[bcrypt]==5.0.1 ; python_version >= "3.10"\n',
  );
  assert.deepEqual(purls(r), ['pkg:pypi/django@5.0.1']);
});
