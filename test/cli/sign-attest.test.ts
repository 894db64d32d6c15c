import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { digestTag, sha256Digest } from '../../src/oci/digest.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { buildCosignManifest } from '../../src/sign/cosign-manifest.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { ENV, fileScope, keyPair, layoutWith, pushImage, tempDir } from './sign-setup.js';
import { statementOfLine } from '../support/envelope.js';

const reg = await startRegistry(fileScope);
const keys = await keyPair(fileScope);

const GITHUB_ENV = {
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_WORKFLOW_REF: 'octo/app/.github/workflows/release.yml@refs/heads/main',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_EVENT_NAME: 'push',
};

const SBOM = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  components: [{ type: 'library', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0' }],
};

for (const format of ['legacy', 'bundle'] as const) {
  test(`${format}: SBOM and SLSA provenance attestations verify by type`, async (t) => {
    const ref = `${reg.host}/attest-${format}/app:v1`;
    const digest = await pushImage(t, ref, `attest ${format}\n`);
    const dir = tempDir(t, 'pred');
    writeFileSync(join(dir, 'sbom.json'), JSON.stringify(SBOM));
    const prov = await runCli(['provenance', '--output-file', join(dir, 'slsa.json')], { env: GITHUB_ENV });
    assert.equal(prov.code, 0, prov.stderr);
    for (const [type, file] of [
      ['cyclonedx', 'sbom.json'],
      ['slsaprovenance1', 'slsa.json'],
    ]) {
      const a = await runCli(
        [
          'attest',
          '--insecure-registry',
          '--format',
          format,
          '--type',
          type as string,
          '--predicate',
          join(dir, file as string),
          '--key',
          keys.key,
          ref,
        ],
        { env: ENV },
      );
      assert.equal(a.code, 0, a.stderr);
    }
    const sbom = await runCli([
      'verify-attestation',
      '--insecure-registry',
      '--type',
      'cyclonedx',
      '--key',
      keys.pub,
      ref,
    ]);
    assert.equal(sbom.code, 0, sbom.stderr);
    // cosign's shape: one DSSE envelope per line, signed, with the statement base64 in `payload`.
    const envelope = JSON.parse(sbom.stdout.trim()) as { signatures: { sig: string }[] };
    assert.equal(envelope.signatures.length, 1);
    assert.ok((envelope.signatures[0]?.sig ?? '').length > 0);
    const st = statementOfLine(sbom.stdout.trim()) as {
      predicateType: string;
      subject: { digest: { sha256: string } }[];
      predicate: typeof SBOM;
    };
    assert.equal(st.predicateType, 'https://cyclonedx.org/bom');
    assert.equal(`sha256:${st.subject[0]?.digest.sha256}`, digest);
    assert.deepEqual(st.predicate, SBOM);
    const slsa = await runCli([
      'verify-attestation',
      '--insecure-registry',
      '-o',
      'json',
      '--type',
      'slsaprovenance1',
      '--key',
      keys.pub,
      ref,
    ]);
    assert.equal(slsa.code, 0, slsa.stderr);
    const doc = JSON.parse(slsa.stdout) as {
      verified: { payload: { predicate: { runDetails: { builder: { id: string } } } } }[];
    };
    assert.equal(doc.verified.length, 1);
    assert.equal(
      doc.verified[0]?.payload.predicate.runDetails.builder.id,
      'https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main',
    );
  });
}

test('verify-attestation of a type nobody attested fails and says which type was wanted', async (t) => {
  const { dir } = await layoutWith(t, 'no vuln\n');
  const p = join(tempDir(t, 'pred'), 'sbom.json');
  writeFileSync(p, JSON.stringify(SBOM));
  const a = await runCli(
    ['attest', '--type', 'cyclonedx', '--predicate', p, '--key', keys.key, `oci-dir:${dir}:v1`],
    { env: ENV },
  );
  assert.equal(a.code, 0, a.stderr);
  const v = await runCli(['verify-attestation', '--type', 'vuln', '--key', keys.pub, `oci-dir:${dir}:v1`]);
  assert.equal(v.code, 1);
  assert.match(
    v.stderr,
    /predicate type https:\/\/cyclonedx\.org\/bom != expected https:\/\/cosign\.sigstore\.dev\/attestation\/vuln\/v1/,
  );
});

test('verify-attestation --policy passes a statement that satisfies the CUE policy and denies one that does not', async (t) => {
  const { dir } = await layoutWith(t, 'cue\n');
  const tmp = tempDir(t, 'cue');
  writeFileSync(join(tmp, 'vuln.json'), JSON.stringify({ scanner: { result: { critical: 2 } } }));
  const a = await runCli(
    [
      'attest',
      '--type',
      'vuln',
      '--predicate',
      join(tmp, 'vuln.json'),
      '--key',
      keys.key,
      `oci-dir:${dir}:v1`,
    ],
    { env: ENV },
  );
  assert.equal(a.code, 0, a.stderr);
  writeFileSync(join(tmp, 'ok.cue'), 'predicate: scanner: result: critical: <5\n');
  writeFileSync(join(tmp, 'strict.cue'), 'predicate: scanner: result: critical: 0\n');
  const ok = await runCli([
    'verify-attestation',
    '--type',
    'vuln',
    '--policy',
    join(tmp, 'ok.cue'),
    '--key',
    keys.pub,
    `oci-dir:${dir}:v1`,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const denied = await runCli([
    'verify-attestation',
    '--type',
    'vuln',
    '--policy',
    join(tmp, 'strict.cue'),
    '--key',
    keys.pub,
    `oci-dir:${dir}:v1`,
  ]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /fails .*strict\.cue/);
  // Beyond the built-in subset the same check is real CUE's; a policy that does not compile is bad input.
  writeFileSync(
    join(tmp, 'list.cue'),
    'import "list"\npredicate: scanner: result: critical: list.Max([0, 1])\n',
  );
  writeFileSync(join(tmp, 'broken.cue'), 'predicate: scanner: {\n');
  const verify = (policy: string, ...extra: string[]) =>
    runCli([
      'verify-attestation',
      ...extra,
      '--type',
      'vuln',
      '--policy',
      join(tmp, policy),
      '--key',
      keys.pub,
      `oci-dir:${dir}:v1`,
    ]);
  const real = await verify('list.cue');
  assert.equal(real.code, 1);
  assert.match(real.stderr, /fails .*list\.cue: predicate\.scanner\.result\.critical: conflicting values/);
  const broken = await verify('broken.cue', '--cue', 'real');
  assert.equal(broken.code, 2, broken.stderr);
  assert.match(broken.stderr, /broken\.cue: .*\(policy \d+:\d+\)/);
});

test('attest refuses a slsaprovenance1 predicate that breaks the SLSA v1 field rules, as bad input (exit 2)', async (t) => {
  const { dir } = await layoutWith(t, 'bad slsa\n');
  const p = join(tempDir(t, 'pred'), 'slsa.json');
  writeFileSync(p, JSON.stringify({ buildDefinition: { buildType: 'not a uri' } }));
  const a = await runCli(
    ['attest', '--type', 'slsaprovenance1', '--predicate', p, '--key', keys.key, `oci-dir:${dir}:v1`],
    { env: ENV },
  );
  assert.equal(a.code, 2);
  assert.match(a.stderr, /buildDefinition\.buildType/);
});

test('attest reads the predicate from stdin with --predicate -', async (t) => {
  const { dir } = await layoutWith(t, 'stdin\n');
  const a = await runCli(['attest', '--predicate', '-', '--key', keys.key, `oci-dir:${dir}:v1`], {
    env: ENV,
    stdin: '{"note":"from stdin"}',
  });
  assert.equal(a.code, 0, a.stderr);
  const d = await runCli(['download', 'attestation', `oci-dir:${dir}:v1`]);
  assert.equal(d.code, 0, d.stderr);
  const env = JSON.parse(d.stdout.trim()) as { payload: string; payloadType: string };
  assert.equal(env.payloadType, 'application/vnd.in-toto+json');
  assert.match(Buffer.from(env.payload, 'base64').toString('utf8'), /from stdin/);
});

test('provenance --subject emits an in-toto statement about the resolved digest', async (t) => {
  const { dir, digest } = await layoutWith(t, 'provenance\n');
  const r = await runCli(['provenance', '--subject', `oci-dir:${dir}:v1`], { env: GITHUB_ENV });
  assert.equal(r.code, 0, r.stderr);
  const st = JSON.parse(r.stdout) as {
    _type: string;
    subject: { digest: { sha256: string } }[];
    predicateType: string;
  };
  assert.equal(st._type, 'https://in-toto.io/Statement/v1');
  assert.equal(st.predicateType, 'https://slsa.dev/provenance/v1');
  assert.equal(`sha256:${st.subject[0]?.digest.sha256}`, digest);
});

test('provenance outside GitHub Actions is a usage error naming the missing variables', async () => {
  const r = await runCli(['provenance'], { env: {} });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /GITHUB_REPOSITORY/);
});

test('download sbom prints the SBOM attached under the .sbom tag as stored', async (t) => {
  const { dir, digest } = await layoutWith(t, 'sbom attached\n');
  const w = await createOciLayoutWriter(dir);
  const sbom = Buffer.from(`${JSON.stringify(SBOM)}\n`);
  const layer = {
    mediaType: 'application/vnd.cyclonedx+json',
    size: sbom.length,
    digest: sha256Digest(sbom),
  };
  const built = buildCosignManifest([layer]);
  await w.putBlob(layer, sbom);
  await w.putBlob(built.config.descriptor, built.config.blob);
  await w.putManifest(built.manifest, built.mediaType, digestTag(digest, 'sbom'));
  await w.commit();
  const r = await runCli(['download', 'sbom', `oci-dir:${dir}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout) as unknown, SBOM);
  assert.match(r.stderr, /1 SBOM\(s\) attached/);
});
