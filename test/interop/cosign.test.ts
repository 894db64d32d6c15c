// vouch and the real cosign (scripts/install-peers.sh) on one local registry: each verifies what the
// other signed and attested, both read the same key files, and `vouch tree` shows what `cosign tree`
// shows. cosign speaks plain HTTP to 127.0.0.1 by itself, as vouch now does.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { statementOfLine } from '../support/envelope.js';
import { runPeer } from '../support/peers.js';
import { startRegistry } from '../support/registry.js';
import { ENV, fileScope, keyPair, PASSWORD, pushImage, tempDir } from '../cli/sign-setup.js';

const reg = await startRegistry(fileScope);
// A key pair written by `vouch generate-key-pair`: cosign must be able to use it as its own.
const keys = await keyPair(fileScope);
const home = tempDir(fileScope, 'cosign-home');
// cosign reads COSIGN_PASSWORD; HOME and DOCKER_CONFIG keep it away from the user's own files.
const COSIGN_ENV = { COSIGN_PASSWORD: PASSWORD, HOME: home, DOCKER_CONFIG: join(home, '.docker') };
const PREDICATE = { builder: { id: 'https://example.com/builder' }, buildType: 'https://example.com/build' };

async function cosign(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runPeer('cosign', args, { env: COSIGN_ENV });
}

test('cosign sign (with a key from vouch generate-key-pair) -> vouch verify', async (t) => {
  const ref = `${reg.host}/interop/cosign-signed:v1`;
  const digest = await pushImage(t, ref, 'cosign signed\n');
  const s = await cosign(['sign', '--yes', '--tlog-upload=false', '--key', keys.key, ref]);
  assert.equal(s.code, 0, s.stderr);
  const v = await runCli(['verify', '--key', keys.pub, ref]);
  assert.equal(v.code, 0, v.stderr);
  const payload = JSON.parse(v.stdout.split('\n')[0] ?? '') as {
    critical: { image: { 'docker-manifest-digest': string } };
  };
  assert.equal(payload.critical.image['docker-manifest-digest'], digest);
});

test('vouch sign -> cosign verify --insecure-ignore-tlog=true prints the same payload', async (t) => {
  const ref = `${reg.host}/interop/vouch-signed:v1`;
  await pushImage(t, ref, 'vouch signed\n');
  const s = await runCli(['sign', '--yes', '--tlog-upload=false', '--key', keys.key, ref], { env: ENV });
  assert.equal(s.code, 0, s.stderr);
  const c = await cosign(['verify', '--insecure-ignore-tlog=true', '--key', keys.pub, ref]);
  assert.equal(c.code, 0, c.stderr);
  const v = await runCli(['verify', '--insecure-ignore-tlog=true', '--key', keys.pub, ref]);
  assert.equal(v.code, 0, v.stderr);
  // cosign prints a JSON array of payloads; vouch one payload per line. Same documents either way.
  const fromCosign = JSON.parse(c.stdout) as unknown[];
  const fromVouch = v.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
  assert.deepEqual(fromVouch, fromCosign);
});

test('cosign attest -> vouch verify-attestation, and vouch attest -> cosign verify-attestation, same envelope shape', async (t) => {
  const dir = tempDir(t, 'interop-att');
  writeFileSync(join(dir, 'predicate.json'), JSON.stringify(PREDICATE));
  const byCosign = `${reg.host}/interop/cosign-attested:v1`;
  const byVouch = `${reg.host}/interop/vouch-attested:v1`;
  await pushImage(t, byCosign, 'cosign attested\n');
  await pushImage(t, byVouch, 'vouch attested\n');
  const a = await cosign([
    'attest',
    '--yes',
    '--tlog-upload=false',
    '--type',
    'slsaprovenance',
    '--predicate',
    join(dir, 'predicate.json'),
    '--key',
    keys.key,
    byCosign,
  ]);
  assert.equal(a.code, 0, a.stderr);
  const b = await runCli(
    [
      'attest',
      '--yes',
      '--tlog-upload=false',
      '--type',
      'slsaprovenance',
      '--predicate',
      join(dir, 'predicate.json'),
      '--key',
      keys.key,
      byVouch,
    ],
    { env: ENV },
  );
  assert.equal(b.code, 0, b.stderr);
  for (const ref of [byCosign, byVouch]) {
    const v = await runCli(['verify-attestation', '--type', 'slsaprovenance', '--key', keys.pub, ref]);
    assert.equal(v.code, 0, `vouch on ${ref}: ${v.stderr}`);
    const c = await cosign([
      'verify-attestation',
      '--insecure-ignore-tlog=true',
      '--type',
      'slsaprovenance',
      '--key',
      keys.pub,
      ref,
    ]);
    assert.equal(c.code, 0, `cosign on ${ref}: ${c.stderr}`);
    // Both print the DSSE envelope, one per line: `| jq -r .payload | base64 -d` works on either.
    const vouchLine = v.stdout.trim();
    const cosignLine = c.stdout.trim();
    assert.deepEqual(JSON.parse(vouchLine), JSON.parse(cosignLine));
    const st = statementOfLine(vouchLine) as { predicateType: string; predicate: typeof PREDICATE };
    assert.equal(st.predicateType, 'https://slsa.dev/provenance/v0.2');
    // cosign re-marshals the predicate through its Go struct (adding an empty invocation); vouch keeps it.
    assert.deepEqual(st.predicate.builder, PREDICATE.builder);
  }
});

test('vouch tree shows the lines cosign tree shows (cosign orders its sections at random)', async (t) => {
  const ref = `${reg.host}/interop/tree:v1`;
  await pushImage(t, ref, 'tree\n');
  const dir = tempDir(t, 'interop-tree');
  writeFileSync(join(dir, 'predicate.json'), JSON.stringify(PREDICATE));
  writeFileSync(
    join(dir, 'sbom.spdx.json'),
    JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT' }),
  );
  assert.equal((await cosign(['sign', '-y', '--tlog-upload=false', '--key', keys.key, ref])).code, 0);
  assert.equal(
    (await runCli(['sign', '-y', '--key', keys.key, '-a', 'by=vouch', ref], { env: ENV })).code,
    0,
  );
  const att = await runCli(['attest', '--predicate', join(dir, 'predicate.json'), '--key', keys.key, ref], {
    env: ENV,
  });
  assert.equal(att.code, 0, att.stderr);
  const sbom = await cosign(['attach', 'sbom', '--sbom', join(dir, 'sbom.spdx.json'), ref]);
  assert.equal(sbom.code, 0, sbom.stderr);
  const c = await cosign(['tree', ref]);
  assert.equal(c.code, 0, c.stderr);
  const v = await runCli(['tree', ref]);
  assert.equal(v.code, 0, v.stderr);
  const sections = (text: string): string[] => {
    // One string per section: its heading with its layer lines, so the comparison ignores section order.
    const out: string[] = [];
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('   ') && out.length > 0) out[out.length - 1] += `\n${line}`;
      else out.push(line);
    }
    return out.sort();
  };
  assert.deepEqual(sections(v.stdout), sections(c.stdout));
  assert.equal(sections(v.stdout).length, 4);
});

test('triangulate answers as cosign triangulate does', async (t) => {
  const ref = `${reg.host}/interop/triangulate:v1`;
  await pushImage(t, ref, 'triangulate\n');
  for (const type of ['signature', 'attestation', 'sbom']) {
    const c = await cosign(['triangulate', '--type', type, ref]);
    assert.equal(c.code, 0, c.stderr);
    const v = await runCli(['triangulate', '--type', type, ref]);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout, c.stdout);
  }
});

test('cosign public-key and vouch public-key print the same PEM', async () => {
  const c = await cosign(['public-key', '--key', keys.key]);
  assert.equal(c.code, 0, c.stderr);
  const v = await runCli(['public-key', '--key', keys.key], { env: ENV });
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout, c.stdout);
});

test('a key imported by cosign import-key-pair signs with vouch; one imported by vouch signs with cosign', async (t) => {
  const dir = tempDir(t, 'interop-import');
  const { generateKeyPairSync } = await import('node:crypto');
  writeFileSync(
    join(dir, 'key.pem'),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }),
  );
  writeFileSync(join(dir, 'blob.txt'), 'imported\n');
  const c = await runPeer('cosign', ['import-key-pair', '--key', 'key.pem', '-o', 'by-cosign'], {
    env: COSIGN_ENV,
    cwd: dir,
  });
  assert.equal(c.code, 0, c.stderr);
  const v = await runCli(['import-key-pair', '--key', 'key.pem', '-o', 'by-vouch'], { env: ENV, cwd: dir });
  assert.equal(v.code, 0, v.stderr);
  const s = await runCli(['sign-blob', '--key', 'by-cosign.key', '--output-signature', 'v.sig', 'blob.txt'], {
    env: ENV,
    cwd: dir,
  });
  assert.equal(s.code, 0, s.stderr);
  const cs = await runPeer(
    'cosign',
    [
      'sign-blob',
      '-y',
      '--tlog-upload=false',
      '--key',
      'by-vouch.key',
      '--output-signature',
      'c.sig',
      'blob.txt',
    ],
    { env: COSIGN_ENV, cwd: dir },
  );
  assert.equal(cs.code, 0, cs.stderr);
  for (const sig of ['v.sig', 'c.sig']) {
    for (const pub of ['by-cosign.pub', 'by-vouch.pub']) {
      const r = await runCli(['verify-blob', '--key', pub, '--signature', sig, 'blob.txt'], { cwd: dir });
      assert.equal(r.code, 0, `${sig} with ${pub}: ${r.stderr}`);
    }
  }
});

test('cosign attest-blob -> vouch verify-blob-attestation, and vouch attest-blob -> cosign verify-blob-attestation', async (t) => {
  const dir = tempDir(t, 'interop-attest-blob');
  writeFileSync(join(dir, 'artifact.tgz'), 'release bytes\n');
  writeFileSync(join(dir, 'predicate.json'), JSON.stringify(PREDICATE));
  const common = ['--key', keys.key, '--predicate', 'predicate.json', '--type', 'slsaprovenance'];
  const c = await runPeer(
    'cosign',
    [
      'attest-blob',
      '-y',
      '--tlog-upload=false',
      ...common,
      '--output-signature',
      'by-cosign.json',
      'artifact.tgz',
    ],
    { env: COSIGN_ENV, cwd: dir },
  );
  assert.equal(c.code, 0, c.stderr);
  const v = await runCli(
    ['attest-blob', '-y', ...common, '--output-signature', 'by-vouch.json', 'artifact.tgz'],
    {
      env: ENV,
      cwd: dir,
    },
  );
  assert.equal(v.code, 0, v.stderr);
  for (const sig of ['by-cosign.json', 'by-vouch.json']) {
    const byVouch = await runCli(
      [
        'verify-blob-attestation',
        '--key',
        keys.pub,
        '--signature',
        sig,
        '--type',
        'slsaprovenance',
        'artifact.tgz',
      ],
      { cwd: dir },
    );
    assert.equal(byVouch.code, 0, `vouch on ${sig}: ${byVouch.stderr}`);
    const byCosign = await runPeer(
      'cosign',
      [
        'verify-blob-attestation',
        '--insecure-ignore-tlog=true',
        '--key',
        keys.pub,
        '--signature',
        sig,
        '--type',
        'slsaprovenance',
        'artifact.tgz',
      ],
      { env: COSIGN_ENV, cwd: dir },
    );
    assert.equal(byCosign.code, 0, `cosign on ${sig}: ${byCosign.stderr}`);
  }
});

test('cosign save -> vouch load, and vouch save -> cosign load: signatures travel with the image', async (t) => {
  const ref = `${reg.host}/interop/save:v1`;
  await pushImage(t, ref, 'save\n');
  assert.equal((await runCli(['sign', '--key', keys.key, ref], { env: ENV })).code, 0);
  const dir = tempDir(t, 'interop-save');
  const c = await cosign(['save', '--dir', join(dir, 'by-cosign'), ref]);
  assert.equal(c.code, 0, c.stderr);
  const v = await runCli(['save', '--dir', join(dir, 'by-vouch'), ref]);
  assert.equal(v.code, 0, v.stderr);
  const intoVouch = `${reg.host}/interop/loaded-by-vouch:v1`;
  const intoCosign = `${reg.host}/interop/loaded-by-cosign:v1`;
  const lv = await runCli(['load', '--dir', join(dir, 'by-cosign'), intoVouch]);
  assert.equal(lv.code, 0, lv.stderr);
  const lc = await cosign(['load', '--dir', join(dir, 'by-vouch'), intoCosign]);
  assert.equal(lc.code, 0, lc.stderr);
  for (const target of [intoVouch, intoCosign]) {
    const r = await cosign(['verify', '--insecure-ignore-tlog=true', '--key', keys.pub, target]);
    assert.equal(r.code, 0, `${target}: ${r.stderr}`);
    assert.equal((await runCli(['verify', '--key', keys.pub, target])).code, 0);
  }
});
