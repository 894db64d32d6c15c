/**
 * `vouch helm sign|verify` against helm's own provenance fixtures (pkg/provenance/testdata), GnuPG both
 * ways, the real helm binary both ways, and hostile inputs (tampered chart, tampered .prov, unknown
 * signer, path traversal in the archive).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { messageBlock } from '../../src/helm/index.js';
import { runCli } from '../support/cli.js';
import { runPeer } from '../support/peers.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'helm');
const CHART = 'hashtest-1.2.3.tgz';
const HELM_KEY =
  'Helm Testing (This key should only be used for testing. DO NOT TRUST.) <helm-testing@helm.sh>';

async function workdir(withProv = false): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-helm-'));
  await copyFile(join(FIX, CHART), join(dir, CHART));
  if (withProv) await copyFile(join(FIX, `${CHART}.prov`), join(dir, `${CHART}.prov`));
  return dir;
}

const signedText = (prov: string) => prov.slice(0, prov.indexOf('-----BEGIN PGP SIGNATURE-----'));

test("helm's own .prov verifies, printing what helm verify prints", async () => {
  const dir = await workdir(true);
  const r = await runCli(['helm', 'verify', CHART, '--keyring', join(FIX, 'helm-test-key.pub')], {
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Signed by: ${HELM_KEY}\nUsing Key With Fingerprint: 5E615389B53CA37F0EE60BD3843BBF981FC18762\nChart Hash Verified: sha256:c6841b3a895f1444a6738b5d04564a57e860ce42f8519c3be807fb6d9bee7888\n`,
  );
});

test("a chart signed by vouch carries helm's message block byte for byte and verifies", async () => {
  const dir = await workdir();
  const s = await runCli(
    ['helm', 'sign', CHART, '--keyring', join(FIX, 'helm-test-key.secret'), '--key', 'helm-testing@helm.sh'],
    {
      cwd: dir,
    },
  );
  assert.equal(s.code, 0, s.stderr);
  const ours = await readFile(join(dir, `${CHART}.prov`), 'utf8');
  const helms = await readFile(join(FIX, `${CHART}.prov`), 'utf8');
  // helm 3.21 writes one more line break before the signature than the 2019 fixture's helm did.
  assert.equal(signedText(ours), `${signedText(helms)}\n`);
  assert.match(ours, /\n-----END PGP SIGNATURE-----$/);
  const v = await runCli(['helm', 'verify', CHART, '--keyring', join(FIX, 'helm-test-key.pub')], {
    cwd: dir,
  });
  assert.equal(v.code, 0, v.stderr);
});

test('a passphrase-protected key signs with HELM_KEY_PASSPHRASE and refuses a wrong one', async () => {
  const dir = await workdir();
  const args = [
    'helm',
    'sign',
    CHART,
    '--keyring',
    join(FIX, 'helm-password-key.secret'),
    '--key',
    'fake@helm.sh',
  ];
  const wrong = await runCli(args, { cwd: dir, env: { HELM_KEY_PASSPHRASE: 'secrets_and_lies' } });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /passphrase does not unlock/);
  const ok = await runCli(args, { cwd: dir, env: { HELM_KEY_PASSPHRASE: 'secret' } });
  assert.equal(ok.code, 0, ok.stderr);
});

test('a tampered chart fails with exit 1, naming the file and the two digests', async () => {
  const dir = await workdir(true);
  const bytes = await readFile(join(dir, CHART));
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 1;
  await writeFile(join(dir, CHART), bytes);
  const r = await runCli(['helm', 'verify', CHART, '--keyring', join(FIX, 'helm-test-key.pub')], {
    cwd: dir,
  });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /sha256 sum does not match for hashtest-1\.2\.3\.tgz: "sha256:c6841b3a[0-9a-f]+" != "sha256:/,
  );
});

test('a .prov whose signed text was edited fails with exit 1: invalid signature', async () => {
  const dir = await workdir(true);
  const prov = await readFile(join(dir, `${CHART}.prov`), 'utf8');
  await writeFile(join(dir, `${CHART}.prov`), prov.replace('version: 1.2.3', 'version: 1.2.4'));
  const r = await runCli(['helm', 'verify', CHART, '--keyring', join(FIX, 'helm-test-key.pub')], {
    cwd: dir,
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /hashtest-1\.2\.3\.tgz\.prov: invalid signature/);
});

test('a signature by a key outside the keyring is refused (exit 1), as is a missing .prov', async () => {
  const dir = await workdir(true);
  const gpgHome = await mkdtemp(join(tmpdir(), 'vouch-gpg-'));
  await gpg(gpgHome, [
    '--passphrase',
    '',
    '--quick-gen-key',
    'Other <other@example.com>',
    'ed25519',
    'sign',
    'never',
  ]);
  const pub = join(gpgHome, 'other.gpg');
  await gpg(gpgHome, ['--output', pub, '--export', 'other@example.com']);
  const r = await runCli(['helm', 'verify', CHART, '--keyring', pub], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /signature made by unknown entity/);
  const none = await workdir();
  const missing = await runCli(['helm', 'verify', CHART, '--keyring', pub], { cwd: none });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no provenance file/);
});

test('an invalid keyring is bad input (exit 2)', async () => {
  const dir = await workdir(true);
  await writeFile(join(dir, 'bad.gpg'), 'not a keyring');
  const r = await runCli(['helm', 'verify', CHART, '--keyring', 'bad.gpg'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not an OpenPGP keyring/);
});

function tarEntry(name: string, content: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([h, body]);
}

test('a chart archive with a path climbing out of it is refused (exit 2), no .prov written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-helm-'));
  const tar = Buffer.concat([
    tarEntry('evil/Chart.yaml', 'apiVersion: v2\nname: evil\nversion: 1.0.0\n'),
    tarEntry('evil/../../etc/cron.d/x', 'boom'),
    Buffer.alloc(1024),
  ]);
  await writeFile(join(dir, 'evil-1.0.0.tgz'), gzipSync(tar));
  const r = await runCli(
    [
      'helm',
      'sign',
      'evil-1.0.0.tgz',
      '--keyring',
      join(FIX, 'helm-test-key.secret'),
      '--key',
      'helm-testing',
    ],
    { cwd: dir },
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /climbs out of the archive root/);
  await assert.rejects(readFile(join(dir, 'evil-1.0.0.tgz.prov')), { code: 'ENOENT' });
});

async function gpg(home: string, args: string[]): Promise<string> {
  const r = await runPeer('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('GnuPG: an Ed25519 .prov from vouch verifies with gpg, and a gpg-clearsigned one with vouch', async () => {
  const dir = await workdir();
  const home = await mkdtemp(join(tmpdir(), 'vouch-gpg-'));
  await gpg(home, [
    '--passphrase',
    'pw',
    '--quick-gen-key',
    'Chart Signer <charts@example.com>',
    'ed25519',
    'sign',
    'never',
  ]);
  const sec = join(home, 'secring.gpg');
  const pub = join(home, 'pubring.gpg');
  await gpg(home, ['--passphrase', 'pw', '--output', sec, '--export-secret-keys', 'charts@example.com']);
  await gpg(home, ['--output', pub, '--export', 'charts@example.com']);
  const s = await runCli(['helm', 'sign', CHART, '--keyring', sec, '--key', 'Chart Signer'], {
    cwd: dir,
    env: { HELM_KEY_PASSPHRASE: 'pw' },
  });
  assert.equal(s.code, 0, s.stderr);
  const verified = await runPeer('gpg', [
    '--homedir',
    home,
    '--batch',
    '--verify',
    join(dir, `${CHART}.prov`),
  ]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stderr, /Good signature from "Chart Signer <charts@example.com>"/);

  // gpg clearsigns helm's message block; vouch verifies it as helm would.
  const other = await workdir();
  const block = await messageBlock(await readFile(join(other, CHART)), CHART);
  await writeFile(join(other, 'block.txt'), block);
  await gpg(home, [
    '--passphrase',
    'pw',
    '--digest-algo',
    'SHA512',
    '--output',
    join(other, `${CHART}.prov`),
    '--clearsign',
    join(other, 'block.txt'),
  ]);
  const v = await runCli(['helm', 'verify', CHART, '--keyring', pub], { cwd: other });
  assert.equal(v.code, 0, v.stderr);
  assert.match(
    v.stdout,
    /^Signed by: Chart Signer <charts@example.com>\nUsing Key With Fingerprint: [0-9A-F]{40}\nChart Hash Verified: sha256:c6841b3a/,
  );
});

test('helm: `helm verify` accepts a vouch .prov, and vouch verifies `helm package --sign` output', async () => {
  const dir = await workdir();
  const s = await runCli(
    ['helm', 'sign', CHART, '--keyring', join(FIX, 'helm-test-key.secret'), '--key', 'helm-testing'],
    {
      cwd: dir,
    },
  );
  assert.equal(s.code, 0, s.stderr);
  const hv = await runPeer('helm', ['verify', join(dir, CHART), '--keyring', join(FIX, 'helm-test-key.pub')]);
  assert.equal(hv.code, 0, hv.stderr);
  const ours = await runCli(['helm', 'verify', CHART, '--keyring', join(FIX, 'helm-test-key.pub')], {
    cwd: dir,
  });
  assert.equal(ours.stdout, hv.stdout);

  const src = await mkdtemp(join(tmpdir(), 'vouch-helm-src-'));
  await runPeer('helm', ['create', join(src, 'mychart')]);
  const out = await mkdtemp(join(tmpdir(), 'vouch-helm-pkg-'));
  const pkg = await runPeer('helm', [
    'package',
    join(src, 'mychart'),
    '--destination',
    out,
    '--sign',
    '--key',
    'helm-testing',
    '--keyring',
    join(FIX, 'helm-test-key.secret'),
  ]);
  assert.equal(pkg.code, 0, pkg.stderr);
  const v = await runCli(
    ['helm', 'verify', 'mychart-0.1.0.tgz', '--keyring', join(FIX, 'helm-test-key.pub')],
    { cwd: out },
  );
  assert.equal(v.code, 0, v.stderr);
  // Same chart signed by vouch: the same signed text as helm's.
  const ourDir = await mkdtemp(join(tmpdir(), 'vouch-helm-ours-'));
  await copyFile(join(out, 'mychart-0.1.0.tgz'), join(ourDir, 'mychart-0.1.0.tgz'));
  await runCli(
    [
      'helm',
      'sign',
      'mychart-0.1.0.tgz',
      '--keyring',
      join(FIX, 'helm-test-key.secret'),
      '--key',
      'helm-testing',
    ],
    { cwd: ourDir },
  );
  assert.equal(
    signedText(await readFile(join(ourDir, 'mychart-0.1.0.tgz.prov'), 'utf8')),
    signedText(await readFile(join(out, 'mychart-0.1.0.tgz.prov'), 'utf8')),
  );
});

test("go-yaml's quoting, folding, literal blocks and key order: the same signed text as helm 3.21", async () => {
  const name = 'tricky-1.2.3-rc.1+build.5.tgz';
  const prov = await readFile(join(FIX, `${name}.prov`), 'utf8');
  const helmText = prov
    .slice(prov.indexOf('\n\n') + 2, prov.indexOf('\n-----BEGIN PGP SIGNATURE-----'))
    .split('\n')
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n');
  assert.equal(await messageBlock(await readFile(join(FIX, name)), name), helmText);
  const dir = await mkdtemp(join(tmpdir(), 'vouch-helm-'));
  await copyFile(join(FIX, name), join(dir, name));
  await copyFile(join(FIX, `${name}.prov`), join(dir, `${name}.prov`));
  const v = await runCli(['helm', 'verify', name, '--keyring', join(FIX, 'helm-test-key.pub')], { cwd: dir });
  assert.equal(v.code, 0, v.stderr);
});
