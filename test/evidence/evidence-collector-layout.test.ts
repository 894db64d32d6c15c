// The collector over an OCI layout holding several repositories (the air-gapped mirror the demo
// uses): signatures and bundle attestations are found through LayoutRepository views.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { attestImage } from '../../src/sign/attest-image.js';
import { buildImage } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter, openOciLayout } from '../../src/oci/layout-dir.js';
import {
  LayoutRepository,
  LayoutRepositoryWriter,
  layoutRepositoryOpener,
} from '../../src/oci/layout-repository.js';
import type { AuthorityRequirement } from '../../src/policy/evidence.js';
import {
  appendToCosignTag,
  dsseBundle,
  keyHintOf,
  privateKeyFromKeyObject,
  publicKeyToPem,
  pushBundleReferrer,
  serializeBundle,
  signImageLayer,
} from '../../src/sign/index.js';
import { CosignEvidenceCollector } from '../../src/evidence/index.js';
import { appSpec, tempDir } from '../cli/sign-setup.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const REPO = 'demo.local/app';

test('a key requirement over a multi-repository layout yields the signature and the bundle attestation', async (t) => {
  const dir = join(tempDir(t, 'mirror'), 'layout');
  const w1 = new LayoutRepositoryWriter(await createOciLayoutWriter(dir), REPO);
  const img = await buildImage(w1, { ...appSpec('mirror\n'), tag: '1.0' });
  await w1.commit();
  const digest = img.descriptor.digest;
  const key = privateKeyFromKeyObject(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    'test key',
  );
  const reader = new LayoutRepository(await openOciLayout(dir), REPO);
  const w2 = new LayoutRepositoryWriter(await createOciLayoutWriter(dir), REPO);
  await appendToCosignTag(
    { reader, writer: w2 },
    digest,
    'sig',
    signImageLayer(key, { dockerReference: REPO, digest }),
    NOW,
  );
  const { envelope } = attestImage(key, {
    subjectName: REPO,
    digest,
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: { buildDefinition: {}, runDetails: {} },
  });
  await pushBundleReferrer(w2, {
    bundle: serializeBundle(dsseBundle(envelope, { kind: 'key', keyHint: keyHintOf(key.publicKey) })),
    subject: img.descriptor,
    content: 'dsse-envelope',
    predicateType: 'https://slsa.dev/provenance/v1',
    created: NOW,
  });
  await w2.commit();

  const collector = new CosignEvidenceCollector({
    openRepository: layoutRepositoryOpener(() => openOciLayout(dir)),
    now: () => NOW,
  });
  const req: AuthorityRequirement = {
    id: 'cip/demo/authorities/0',
    kind: 'key',
    publicKeyPem: publicKeyToPem(key.publicKey),
    hashAlgorithm: 'sha256',
    signatureRepositories: [],
    predicateTypes: ['https://slsa.dev/provenance/v1'],
    tlog: { required: false },
    rfc3161: { required: false },
  };
  const ev = await collector.collect({ ref: `${REPO}:1.0`, digest }, req);
  assert.deepEqual(ev.problems, []);
  assert.equal(ev.signatures.length, 1);
  assert.equal(ev.signatures[0]?.foundIn, REPO);
  assert.equal(ev.attestations.length, 1);
  assert.equal(ev.attestations[0]?.statement.predicateType, 'https://slsa.dev/provenance/v1');
  assert.equal(ev.attestations[0]?.statement.subject[0]?.digest['sha256'], digest.slice('sha256:'.length));
});
