import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPublicKey } from '../../src/intoto/index.js';
import { runCli } from '../support/cli.js';
import { runPeer } from '../support/peers.js';

/**
 * The in-toto reference implementation (in-toto 3.1, Python) is the peer, run for real: chains made by
 * either tool, or by both, verify (or fail) identically in the other. The supply chain is the in-toto
 * demo (clone → update-version → package, untar inspection).
 */
const MAKE_LAYOUT = join(import.meta.dirname, '..', 'fixtures', 'intoto', 'make_layout.py');

interface Keys {
  dir: string;
  owner: string;
  ownerPub: string;
  alice: string;
  alicePub: string;
  bob: string;
  bobPub: string;
}

async function keys(dir: string): Promise<Keys> {
  const write = async (name: string, pair: ReturnType<typeof generateKeyPairSync>) => {
    await writeFile(join(dir, `${name}.pem`), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(dir, `${name}.pub`), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  };
  await write('owner', generateKeyPairSync('rsa', { modulusLength: 2048 }));
  await write('alice', generateKeyPairSync('ed25519'));
  await write('bob', generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const k = (n: string) => join(dir, n);
  return {
    dir,
    owner: k('owner.pem'),
    ownerPub: k('owner.pub'),
    alice: k('alice.pem'),
    alicePub: k('alice.pub'),
    bob: k('bob.pem'),
    bobPub: k('bob.pub'),
  };
}

async function fresh(t: {
  after(fn: () => Promise<void>): void;
}): Promise<{ root: string; work: string; k: Keys }> {
  const root = await mkdtemp(join(tmpdir(), 'vouch-intoto-interop-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const work = join(root, 'work');
  await mkdir(join(work, 'demo-project'), { recursive: true });
  await writeFile(join(work, 'demo-project', 'foo.py'), 'VERSION = "foo-v0"\n');
  return { root, work, k: await keys(root) };
}

async function refLayout(
  k: Keys,
  out: string,
  opts: { expires?: string; threshold?: number } = {},
): Promise<void> {
  const args = [MAKE_LAYOUT, k.owner, k.alicePub, k.bobPub, out];
  if (opts.expires || opts.threshold) args.push(opts.expires ?? '', String(opts.threshold ?? 1));
  const r = await runPeer('in-toto-python', args);
  assert.equal(r.code, 0, r.stderr);
}

type Tool = 'vouch' | 'reference';

async function step(
  tool: Tool,
  cwd: string,
  args: {
    name: string;
    key: string;
    materials?: string[];
    products?: string[];
    command: string[];
    dsse?: boolean;
  },
) {
  const flags = ['-n', args.name, '--signing-key', args.key];
  if (args.materials) flags.push('-m', ...args.materials);
  if (args.products) flags.push('-p', ...args.products);
  if (args.dsse) flags.push('--use-dsse');
  if (tool === 'vouch') {
    const r = await runCli(['in-toto', 'run', ...flags, '--', ...args.command], { cwd });
    assert.equal(r.code, 0, r.stderr);
  } else {
    const r = await runPeer('in-toto-run', [...flags, '--', ...args.command], { cwd });
    assert.equal(r.code, 0, r.stderr);
  }
}

/** Runs the demo chain; `tools` says who records each of the three steps. */
async function demoChain(work: string, k: Keys, tools: [Tool, Tool, Tool], opts: { dsse?: boolean } = {}) {
  await step(tools[0], work, {
    name: 'clone',
    key: k.alice,
    products: ['demo-project/foo.py'],
    command: ['git', '--version'],
    ...(opts.dsse ? { dsse: true } : {}),
  });
  await step(tools[1], work, {
    name: 'update-version',
    key: k.alice,
    materials: ['demo-project/foo.py'],
    products: ['demo-project/foo.py'],
    command: ['sh', '-c', 'echo \'VERSION = "foo-v1"\' > demo-project/foo.py'],
  });
  await step(tools[2], work, {
    name: 'package',
    key: k.bob,
    materials: ['demo-project'],
    products: ['demo-project.tar.gz'],
    command: ['tar', '--exclude', '.git', '-zcf', 'demo-project.tar.gz', 'demo-project'],
    ...(opts.dsse ? { dsse: true } : {}),
  });
}

/** Copies what the client receives (layout, links, tarball) into a new directory for one verifier. */
async function finalDir(root: string, work: string, layout: string, name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const f of await readdir(work))
    if (f.endsWith('.link') || f === 'demo-project.tar.gz') await cp(join(work, f), join(dir, f));
  await cp(layout, join(dir, 'root.layout'));
  return dir;
}

async function verifyBoth(
  root: string,
  work: string,
  layout: string,
  k: Keys,
): Promise<{ vouch: number; reference: number; why: string }> {
  const a = await finalDir(root, work, layout, `final-vouch-${Math.random().toString(36).slice(2)}`);
  const v = await runCli(['in-toto', 'verify', '-l', 'root.layout', '--verification-keys', k.ownerPub], {
    cwd: a,
  });
  const b = await finalDir(root, work, layout, `final-ref-${Math.random().toString(36).slice(2)}`);
  const r = await runPeer('in-toto-verify', ['-l', 'root.layout', '--verification-keys', k.ownerPub], {
    cwd: b,
  });
  return { vouch: v.code, reference: r.code, why: `vouch: ${v.stderr}\nreference: ${r.stderr}` };
}

test('a chain recorded by the reference, by vouch, or by both verifies in both, with a layout made by the reference', async (t) => {
  const mixes: Array<[Tool, Tool, Tool]> = [
    ['reference', 'reference', 'reference'],
    ['vouch', 'vouch', 'vouch'],
    ['reference', 'vouch', 'reference'],
  ];
  for (const tools of mixes) {
    const { root, work, k } = await fresh(t);
    await demoChain(work, k, tools);
    const layout = join(root, 'root.layout');
    await refLayout(k, layout);
    const r = await verifyBoth(root, work, layout, k);
    assert.deepEqual([r.vouch, r.reference], [0, 0], `${tools.join(',')}\n${r.why}`);
  }
});

test('DSSE links (in-toto-run --use-dsse) made by either tool verify in both', async (t) => {
  for (const tools of [
    ['reference', 'vouch', 'vouch'],
    ['vouch', 'reference', 'reference'],
  ] as Array<[Tool, Tool, Tool]>) {
    const { root, work, k } = await fresh(t);
    await demoChain(work, k, tools, { dsse: true });
    const layout = join(root, 'root.layout');
    await refLayout(k, layout);
    const r = await verifyBoth(root, work, layout, k);
    assert.deepEqual([r.vouch, r.reference], [0, 0], r.why);
  }
});

test('a layout written and signed by vouch (in-toto sign) verifies in in-toto-verify; in-toto record works both ways', async (t) => {
  const { root, k } = await fresh(t);
  const alice = loadPublicKey(await readFile(k.alicePub), 'alice');
  const bob = loadPublicKey(await readFile(k.bobPub), 'bob');
  const layout = {
    signed: {
      _type: 'layout',
      expires: '2099-01-01T00:00:00Z',
      readme: '',
      keys: { [alice.keyid]: alice, [bob.keyid]: bob },
      steps: [
        {
          _type: 'step',
          name: 'write',
          pubkeys: [alice.keyid],
          threshold: 1,
          expected_command: [],
          expected_materials: [],
          expected_products: [
            ['CREATE', 'out.txt'],
            ['DISALLOW', '*'],
          ],
        },
        {
          _type: 'step',
          name: 'review',
          pubkeys: [bob.keyid],
          threshold: 1,
          expected_command: [],
          expected_materials: [
            ['MATCH', 'out.txt', 'WITH', 'PRODUCTS', 'FROM', 'write'],
            ['DISALLOW', '*'],
          ],
          expected_products: [],
        },
      ],
      inspect: [],
    },
    signatures: [],
  };
  await writeFile(join(root, 'unsigned.layout'), JSON.stringify(layout));
  const signed = await runCli(
    ['in-toto', 'sign', '-f', join(root, 'unsigned.layout'), '-k', k.owner, '-o', join(root, 'root.layout')],
    { cwd: root },
  );
  assert.equal(signed.code, 0, signed.stderr);
  // write: the reference records start/stop; review: vouch records start/stop.
  const rmWork = await mkdtemp(join(root, 'w-'));
  let r = await runPeer('in-toto-record', ['start', '-n', 'write', '--signing-key', k.alice], {
    cwd: rmWork,
  });
  assert.equal(r.code, 0, r.stderr);
  await writeFile(join(rmWork, 'out.txt'), 'hello\n');
  r = await runPeer('in-toto-record', ['stop', '-n', 'write', '--signing-key', k.alice, '-p', 'out.txt'], {
    cwd: rmWork,
  });
  assert.equal(r.code, 0, r.stderr);
  let v = await runCli(
    ['in-toto', 'record', 'start', '-n', 'review', '--signing-key', k.bob, '-m', 'out.txt'],
    { cwd: rmWork },
  );
  assert.equal(v.code, 0, v.stderr);
  v = await runCli(['in-toto', 'record', 'stop', '-n', 'review', '--signing-key', k.bob], { cwd: rmWork });
  assert.equal(v.code, 0, v.stderr);
  assert.deepEqual(
    (await readdir(rmWork)).filter((f) => f.includes('unfinished')),
    [],
    'stop removes the unfinished link',
  );
  await cp(join(root, 'root.layout'), join(rmWork, 'root.layout'));
  const ref = await runPeer('in-toto-verify', ['-l', 'root.layout', '--verification-keys', k.ownerPub], {
    cwd: rmWork,
  });
  assert.equal(ref.code, 0, ref.stderr);
  const ours = await runCli(['in-toto', 'verify', '-l', 'root.layout', '--layout-key', k.ownerPub], {
    cwd: rmWork,
  });
  assert.equal(ours.code, 0, ours.stderr);
  // The reference checks vouch's layout signature too (in-toto-sign --verify).
  const sig = await runPeer('in-toto-sign', ['-f', 'root.layout', '-k', k.ownerPub, '--verify'], {
    cwd: rmWork,
  });
  assert.equal(sig.code, 0, sig.stderr);
});

test('failing chains fail in both: wrong functionary, modified artifact, expired layout, threshold not met, tampered link', async (t) => {
  const cases: Array<{
    name: string;
    arrange: (s: { root: string; work: string; k: Keys }) => Promise<string>;
    expect: RegExp;
  }> = [
    {
      name: 'wrong functionary',
      expect: /link-not-found|package/,
      arrange: async ({ root, work, k }) => {
        await step('reference', work, {
          name: 'clone',
          key: k.alice,
          products: ['demo-project/foo.py'],
          command: ['true'],
        });
        await step('vouch', work, {
          name: 'update-version',
          key: k.alice,
          materials: ['demo-project/foo.py'],
          products: ['demo-project/foo.py'],
          command: ['true'],
        });
        // package must be bob's; alice signs it.
        await step('vouch', work, {
          name: 'package',
          key: k.alice,
          materials: ['demo-project'],
          products: ['demo-project.tar.gz'],
          command: ['tar', '-zcf', 'demo-project.tar.gz', 'demo-project'],
        });
        await refLayout(k, join(root, 'root.layout'));
        return join(root, 'root.layout');
      },
    },
    {
      name: 'modified artifact',
      expect: /artifact-rule.*DISALLOW/s,
      arrange: async ({ root, work, k }) => {
        await step('vouch', work, {
          name: 'clone',
          key: k.alice,
          products: ['demo-project/foo.py'],
          command: ['true'],
        });
        await step('reference', work, {
          name: 'update-version',
          key: k.alice,
          materials: ['demo-project/foo.py'],
          products: ['demo-project/foo.py'],
          command: ['sh', '-c', 'echo v1 > demo-project/foo.py'],
        });
        // Someone changes the source between update-version and package.
        await writeFile(join(work, 'demo-project', 'foo.py'), 'evil()\n');
        await step('vouch', work, {
          name: 'package',
          key: k.bob,
          materials: ['demo-project'],
          products: ['demo-project.tar.gz'],
          command: ['tar', '-zcf', 'demo-project.tar.gz', 'demo-project'],
        });
        await refLayout(k, join(root, 'root.layout'));
        return join(root, 'root.layout');
      },
    },
    {
      name: 'expired layout',
      expect: /layout-expired/,
      arrange: async ({ root, work, k }) => {
        await demoChain(work, k, ['vouch', 'reference', 'vouch']);
        await refLayout(k, join(root, 'root.layout'), { expires: '2020-01-01T00:00:00Z' });
        return join(root, 'root.layout');
      },
    },
    {
      name: 'threshold not met',
      expect: /link-not-found|threshold/,
      arrange: async ({ root, work, k }) => {
        await demoChain(work, k, ['reference', 'vouch', 'reference']);
        await refLayout(k, join(root, 'root.layout'), { threshold: 2 });
        return join(root, 'root.layout');
      },
    },
    {
      name: 'tampered link',
      expect: /threshold/,
      arrange: async ({ root, work, k }) => {
        await demoChain(work, k, ['vouch', 'vouch', 'reference']);
        const [file] = (await readdir(work)).filter((f) => f.startsWith('update-version.'));
        assert.ok(file);
        const text = await readFile(join(work, file), 'utf8');
        await writeFile(
          join(work, file),
          text.replace(/"sha256": "([0-9a-f])/, (_m, c: string) => `"sha256": "${c === '0' ? '1' : '0'}`),
        );
        await refLayout(k, join(root, 'root.layout'));
        return join(root, 'root.layout');
      },
    },
  ];
  for (const c of cases) {
    const s = await fresh(t);
    const layout = await c.arrange(s);
    const r = await verifyBoth(s.root, s.work, layout, s.k);
    assert.equal(r.vouch, 1, `${c.name}: vouch must reject\n${r.why}`);
    assert.notEqual(r.reference, 0, `${c.name}: the reference must reject\n${r.why}`);
    assert.match(r.why, c.expect, c.name);
  }
});

test('DELETE, REQUIRE and MODIFY rules pass and fail identically in both tools', async (t) => {
  const { root, k } = await fresh(t);
  const alice = loadPublicKey(await readFile(k.alicePub), 'alice');
  const work = await mkdtemp(join(root, 'rules-'));
  await writeFile(join(work, 'old.txt'), 'old\n');
  await writeFile(join(work, 'keep.txt'), 'v1\n');
  // One step that deletes old.txt, modifies keep.txt and creates new.txt.
  const run = await runCli(
    [
      'in-toto',
      'run',
      '-n',
      'edit',
      '--signing-key',
      k.alice,
      '-m',
      '.',
      '-p',
      '.',
      '--',
      'sh',
      '-c',
      'rm old.txt; echo v2 > keep.txt; echo n > new.txt',
    ],
    { cwd: work },
  );
  assert.equal(run.code, 0, run.stderr);
  const layoutWith = async (materials: string[][], products: string[][]) => {
    const doc = {
      signed: {
        _type: 'layout',
        expires: '2099-01-01T00:00:00Z',
        readme: '',
        keys: { [alice.keyid]: alice },
        steps: [
          {
            _type: 'step',
            name: 'edit',
            pubkeys: [alice.keyid],
            threshold: 1,
            expected_command: [],
            expected_materials: materials,
            expected_products: products,
          },
        ],
        inspect: [],
      },
      signatures: [],
    };
    await writeFile(join(work, 'unsigned.layout'), JSON.stringify(doc));
    const s = await runCli(['in-toto', 'sign', '-f', 'unsigned.layout', '-k', k.owner, '-o', 'root.layout'], {
      cwd: work,
    });
    assert.equal(s.code, 0, s.stderr);
  };
  const cases: Array<{ name: string; materials: string[][]; products: string[][]; ok: boolean }> = [
    {
      name: 'all three hold',
      materials: [
        ['DELETE', 'old.txt'],
        ['MODIFY', 'keep.txt'],
        ['DISALLOW', '*'],
      ],
      products: [
        // REQUIRE looks at what the rules before it left in the queue, so it comes first.
        ['REQUIRE', 'new.txt'],
        ['CREATE', 'new.txt'],
        ['MODIFY', 'keep.txt'],
        ['DISALLOW', '*'],
      ],
      ok: true,
    },
    {
      name: 'REQUIRE of a file never produced',
      materials: [['ALLOW', '*']],
      products: [['REQUIRE', 'missing.txt']],
      ok: false,
    },
    {
      name: 'DELETE of a file that is still there',
      materials: [
        ['DELETE', 'keep.txt'],
        ['DISALLOW', 'keep.txt'],
        ['ALLOW', '*'],
      ],
      products: [['ALLOW', '*']],
      ok: false,
    },
    {
      name: 'MODIFY of a file that was created',
      materials: [['ALLOW', '*']],
      products: [
        ['MODIFY', 'new.txt'],
        ['DISALLOW', 'new.txt'],
        ['ALLOW', '*'],
      ],
      ok: false,
    },
  ];
  for (const c of cases) {
    await layoutWith(c.materials, c.products);
    const ours = await runCli(['in-toto', 'verify', '-l', 'root.layout', '--layout-key', k.ownerPub], {
      cwd: work,
    });
    const ref = await runPeer('in-toto-verify', ['-l', 'root.layout', '--verification-keys', k.ownerPub], {
      cwd: work,
    });
    assert.equal(ours.code, c.ok ? 0 : 1, `${c.name}: vouch\n${ours.stderr}`);
    assert.equal(ref.code === 0, c.ok, `${c.name}: reference\n${ref.stderr}`);
  }
});
