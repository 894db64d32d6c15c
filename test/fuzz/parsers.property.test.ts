// Property-based fuzzing (fast-check) of the parsers that read untrusted bytes: whatever they are
// given, each returns or throws a VouchError, never another error (a crash in production), and the
// regexp engine agrees with the answer a simple oracle gives. Fixed seed, so every run tries the same
// inputs; each property stops at its run count or its time budget, whichever comes first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { readTar } from '../../src/archive/index.js';
import { VouchError } from '../../src/errors.js';
import { compileGoRegexp } from '../../src/go-regexp.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { parseReference } from '../../src/oci/reference.js';
import { loadPolicies } from '../../src/policy/index.js';
import { cargoLockCataloger } from '../../src/sbom/catalogers/cargo-lock.js';
import { npmPackageLockCataloger } from '../../src/sbom/catalogers/npm-package-lock.js';
import { requirementsTxtCataloger } from '../../src/sbom/catalogers/python-locks.js';
import { yarnLockCataloger } from '../../src/sbom/catalogers/yarn-lock.js';
import { catalogText } from '../sbom/fixtures.js';

const SETTINGS = { seed: 20261208, numRuns: 300, interruptAfterTimeLimit: 10_000 } as const;

/** Runs `fn`; anything it throws must be a VouchError. */
function onlyVouchErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof VouchError)) throw e;
  }
}

test('parseReference: any string parses or is a VouchError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[a-z0-9.:/@_-]{0,80}$/)), (s) =>
      onlyVouchErrors(() => parseReference(s)),
    ),
    SETTINGS,
  );
});

test('parseManifest: any JSON value or byte string parses or is a VouchError', () => {
  const mediaTypes = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.json().map((j) => Buffer.from(j)),
        fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
        fc
          .record({
            schemaVersion: fc.oneof(fc.constant(2), fc.integer()),
            mediaType: fc.constantFrom(...mediaTypes),
            config: fc.anything(),
            layers: fc.anything(),
            manifests: fc.anything(),
          })
          .map((o) => Buffer.from(JSON.stringify(o))),
      ),
      fc.constantFrom(...mediaTypes),
      (bytes, mediaType) => onlyVouchErrors(() => parseManifest(bytes, mediaType, 'fuzz')),
    ),
    SETTINGS,
  );
});

test('readTar: any bytes read as entries or fail with a VouchError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
      try {
        for await (const entry of readTar(
          (async function* () {
            yield bytes;
          })(),
          { what: 'fuzz' },
        )) {
          for await (const _ of entry.body) {
            // read every body, as a cataloger would
          }
        }
      } catch (e) {
        if (!(e instanceof VouchError)) throw e;
      }
    }),
    SETTINGS,
  );
});

test('lockfile catalogers: any text catalogs or fails with a VouchError', () => {
  const cases = [
    { cataloger: npmPackageLockCataloger, path: '/package-lock.json' },
    { cataloger: yarnLockCataloger, path: '/yarn.lock' },
    { cataloger: cargoLockCataloger, path: '/Cargo.lock' },
    { cataloger: requirementsTxtCataloger, path: '/requirements.txt' },
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...cases),
      fc.oneof(fc.string({ maxLength: 400 }), fc.json()),
      ({ cataloger, path }, text) => onlyVouchErrors(() => catalogText(cataloger, path, text)),
    ),
    SETTINGS,
  );
});

test('loadPolicies: any YAML-ish text loads or fails with a VouchError', () => {
  const docs = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.json().map((j) => `apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nspec: ${j}\n`),
    fc
      .json()
      .map((j) => `apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: { name: p }\nspec: ${j}\n`),
  );
  fc.assert(
    fc.property(docs, (text) => onlyVouchErrors(() => loadPolicies(text, 'fuzz.yaml'))),
    SETTINGS,
  );
});

test('RE2 agrees with JavaScript on literal patterns over any text, in linear time', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 200 }), (literal, text) => {
      const pattern = literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
      const c = compileGoRegexp(pattern);
      assert.ok(c.ok, c.ok ? '' : c.error);
      assert.equal(c.re.test(text), text.includes(literal));
    }),
    SETTINGS,
  );
});
