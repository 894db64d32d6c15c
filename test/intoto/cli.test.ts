import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPublicKey, type PublicKeyDict } from '../../src/intoto/index.js';
import { runCli } from '../support/cli.js';
import { runPeer } from '../support/peers.js';

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-intoto-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const key = async (name: string, pair: ReturnType<typeof generateKeyPairSync>): Promise<PublicKeyDict> => {
    await writeFile(join(dir, `${name}.pem`), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const pub = pair.publicKey.export({ type: 'spki', format: 'pem' });
    await writeFile(join(dir, `${name}.pub`), pub);
    return loadPublicKey(pub, name);
  };
  return {
    dir,
    owner: await key('owner', generateKeyPairSync('ed25519')),
    alice: await key('alice', generateKeyPairSync('ed25519')),
    bob: await key('bob', generateKeyPairSync('ec', { namedCurve: 'P-256' })),
  };
}

function layoutDoc(keys: PublicKeyDict[], steps: unknown[], inspect: unknown[] = []) {
  return {
    signed: {
      _type: 'layout',
      expires: '2099-01-01T00:00:00Z',
      readme: '',
      keys: Object.fromEntries(keys.map((k) => [k.keyid, k])),
      steps,
      inspect,
    },
    signatures: [],
  };
}

async function signLayout(dir: string, doc: unknown, key: string, out: string): Promise<void> {
  await writeFile(join(dir, 'unsigned.layout'), JSON.stringify(doc));
  const r = await runCli(['in-toto', 'sign', '-f', 'unsigned.layout', '-k', key, '-o', out], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
}

test('a sublayout is verified recursively from STEP.KEYID8/, by vouch and by the reference alike', async (t) => {
  const { dir, alice, bob } = await setup(t);
  // Alice is the functionary of "build", and delegates it: her "link" is a layout naming bob's "compile".
  await signLayout(
    dir,
    layoutDoc(
      [bob],
      [
        {
          _type: 'step',
          name: 'compile',
          pubkeys: [bob.keyid],
          threshold: 1,
          expected_command: [],
          expected_materials: [],
          expected_products: [
            ['CREATE', 'app'],
            ['DISALLOW', '*'],
          ],
        },
      ],
    ),
    'alice.pem',
    `build.${alice.keyid.slice(0, 8)}.link`,
  );
  await signLayout(
    dir,
    layoutDoc(
      [alice],
      [
        {
          _type: 'step',
          name: 'build',
          pubkeys: [alice.keyid],
          threshold: 1,
          expected_command: [],
          expected_materials: [],
          expected_products: [
            ['CREATE', 'app'],
            ['DISALLOW', '*'],
          ],
        },
      ],
    ),
    'owner.pem',
    'root.layout',
  );
  const sub = join(dir, `build.${alice.keyid.slice(0, 8)}`);
  await mkdir(sub);
  await writeFile(join(dir, 'app'), 'binary\n');
  const run = await runCli(
    [
      'in-toto',
      'run',
      '-n',
      'compile',
      '--signing-key',
      '../bob.pem',
      '-p',
      '../app',
      '--lstrip-paths',
      '../',
      '-x',
    ],
    { cwd: sub },
  );
  assert.equal(run.code, 0, run.stderr);
  const ours = await runCli(['in-toto', 'verify', '-l', 'root.layout', '--layout-key', 'owner.pub'], {
    cwd: dir,
  });
  assert.equal(ours.code, 0, ours.stderr);
  const ref = await runPeer('in-toto-verify', ['-l', 'root.layout', '--verification-keys', 'owner.pub'], {
    cwd: dir,
  });
  assert.equal(ref.code, 0, ref.stderr);
  // A sublayout link signed by someone else than its functionary: both refuse.
  const [linkFile] = await readdir(sub);
  assert.ok(linkFile);
  const text = await readFile(join(sub, linkFile), 'utf8');
  await writeFile(join(sub, linkFile), text.replace('"app"', '"app2"'));
  const ours2 = await runCli(
    ['in-toto', 'verify', '-l', 'root.layout', '--layout-key', 'owner.pub', '-o', 'json'],
    { cwd: dir },
  );
  assert.equal(ours2.code, 1);
  const failure = (JSON.parse(ours2.stdout) as { failure: { kind: string; item: string } }).failure;
  assert.deepEqual([failure.kind, failure.item], ['threshold', 'build/compile']);
  const ref2 = await runPeer('in-toto-verify', ['-l', 'root.layout', '--verification-keys', 'owner.pub'], {
    cwd: dir,
  });
  assert.notEqual(ref2.code, 0);
});

test('inspections run with a time limit; a hung, failing or disabled inspection fails verification (exit 1)', async (t) => {
  const { dir, owner, alice } = await setup(t);
  void owner;
  await writeFile(join(dir, 'app'), 'x\n');
  const r = await runCli(['in-toto', 'run', '-n', 'build', '--signing-key', 'alice.pem', '-p', 'app', '-x'], {
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stderr);
  const step = {
    _type: 'step',
    name: 'build',
    pubkeys: [alice.keyid],
    threshold: 1,
    expected_command: [],
    expected_materials: [],
    expected_products: [['CREATE', 'app']],
  };
  const cases: Array<[string, string[], string[], string]> = [
    ['hang', ['sleep', '30'], ['--inspection-timeout', '1'], 'inspection-failed'],
    ['fail', ['false'], [], 'inspection-failed'],
    ['ok', ['true'], ['--no-inspections'], 'inspections-disabled'],
  ];
  for (const [name, run, flags, kind] of cases) {
    await signLayout(
      dir,
      layoutDoc(
        [alice],
        [step],
        [{ _type: 'inspection', name, run, expected_materials: [], expected_products: [] }],
      ),
      'owner.pem',
      'root.layout',
    );
    const v = await runCli(
      ['in-toto', 'verify', '-l', 'root.layout', '--layout-key', 'owner.pub', '-o', 'json', ...flags],
      { cwd: dir },
    );
    assert.equal(v.code, 1, `${name}: ${v.stderr}`);
    assert.equal((JSON.parse(v.stdout) as { failure: { kind: string } }).failure.kind, kind, name);
  }
  await signLayout(
    dir,
    layoutDoc(
      [alice],
      [step],
      [
        {
          _type: 'inspection',
          name: 'check',
          run: ['test', '-f', 'app'],
          expected_materials: [['ALLOW', '*']],
          expected_products: [['ALLOW', '*']],
        },
      ],
    ),
    'owner.pem',
    'root.layout',
  );
  const ok = await runCli(['in-toto', 'verify', '-l', 'root.layout', '--layout-key', 'owner.pub'], {
    cwd: dir,
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /in-toto verification passed/);
  // As in-toto-verify, the inspection's link is kept (unsigned) as NAME.link in the working directory.
  const kept = JSON.parse(await readFile(join(dir, 'check.link'), 'utf8')) as {
    signed: { _type: string; command: string[] };
    signatures: unknown[];
  };
  assert.deepEqual(
    [kept.signed._type, kept.signed.command, kept.signatures],
    ['link', ['test', '-f', 'app'], []],
  );
});

test('bad input: each a clear error and exit code, and no link written', async (t) => {
  const { dir } = await setup(t);
  const cases: Array<[string[], number, RegExp]> = [
    [['in-toto', 'run', '-n', '../x', '--signing-key', 'alice.pem', '-x'], 2, /is a path/],
    [['in-toto', 'run', '-n', 'x', '-x'], 2, /signing key is required/],
    [['in-toto', 'run', '-n', 'x', '--signing-key', 'alice.pub', '-x'], 2, /not a PEM private key/],
    [['in-toto', 'run', '-n', 'x', '--signing-key', 'alice.pem'], 2, /no command/],
    [
      ['in-toto', 'run', '-n', 'x', '--signing-key', 'alice.pem', '--', 'no-such-command-here'],
      3,
      /command not found/,
    ],
    [
      ['in-toto', 'run', '-n', 'x', '--signing-key', 'alice.pem', '--run-timeout', '1', '--', 'sleep', '30'],
      3,
      /still running after 1 s/,
    ],
    [['in-toto', 'verify', '-l', 'nope.layout', '--layout-key', 'owner.pub'], 3, /no such file/],
    [['in-toto', 'verify', '-l', 'alice.pub', '--layout-key', 'owner.pub'], 2, /not JSON/],
    [['in-toto', 'verify', '-l', 'root.layout'], 2, /layout key is required/],
    [
      ['in-toto', 'record', 'stop', '-n', 'never-started', '--signing-key', 'alice.pem'],
      3,
      /no unfinished link/,
    ],
  ];
  for (const [argv, code, message] of cases) {
    const r = await runCli(argv, { cwd: dir });
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, argv.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.endsWith('.link')),
    [],
  );
});
