// `in-toto`: recording a step over 10,000 files, and verifying a 5-step layout whose links hold 10,000
// artifacts each, by vouch and by the in-toto reference implementation (in-toto 3.1, Python, from
// scripts/install-peers.sh) on the same files and the same metadata. Both run as processes, timed from
// outside (wall and CPU time) so interpreter start-up counts for both.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  linkDirectory,
  loadPublicKey,
  readMetadataFile,
  recordArtifacts,
  verifyLayout,
} from '../src/intoto/index.js';
import { peerPath } from '../test/support/peers.js';
import type { BenchFigure, BenchScope } from './figure.js';
import { timeProcess } from './peers/process-time.js';
import { buildVouch } from './peers/vouch-build.js';

const FILES = 10_000;
const STEPS = 5;

export async function benchInToto(scope: BenchScope): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-intoto-'));
  scope.after(() => rmSync(dir, { recursive: true, force: true }));
  const vouch = buildVouch();
  const key = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'key.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const pubPem = String(key.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'key.pub'), pubPem);
  const pub = loadPublicKey(pubPem, 'key');
  const src = join(dir, 'src');
  for (let d = 0; d < 100; d++) {
    mkdirSync(join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < FILES / 100; f++)
      writeFileSync(join(src, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`.repeat(8));
  }
  const figures: BenchFigure[] = [];

  // 1. Record: one step whose materials are the 10,000 files (no command).
  const recV = join(dir, 'rec-vouch');
  const recR = join(dir, 'rec-ref');
  mkdirSync(recV);
  mkdirSync(recR);
  const v1 = timeProcess(
    process.execPath,
    [
      vouch,
      'in-toto',
      'run',
      '-n',
      'step1',
      '--signing-key',
      join(dir, 'key.pem'),
      '-m',
      'src',
      '-x',
      '-d',
      recV,
    ],
    { cwd: dir },
  );
  const r1 = timeProcess(
    peerPath('in-toto-run'),
    ['-n', 'step1', '--signing-key', join(dir, 'key.pem'), '-m', 'src', '-x', '-d', recR],
    { cwd: dir },
  );
  figures.push(
    { name: `in-toto: record ${FILES} files, vouch wall`, value: v1.wallMs, unit: 'ms' },
    { name: `in-toto: record ${FILES} files, vouch CPU`, value: v1.cpuMs, unit: 'ms' },
    { name: `in-toto: record ${FILES} files, in-toto-run wall`, value: r1.wallMs, unit: 'ms' },
    { name: `in-toto: record ${FILES} files, in-toto-run CPU`, value: r1.cpuMs, unit: 'ms' },
    { name: 'in-toto: record, in-toto-run / vouch (CPU)', value: r1.cpuMs / v1.cpuMs, unit: '×' },
  );

  // 2. Verify: a 5-step chain, each step MATCHing all 10,000 artifacts of the step before.
  const chain = join(dir, 'chain');
  mkdirSync(chain);
  const steps = [];
  for (let i = 1; i <= STEPS; i++) {
    const r = timeProcess(
      process.execPath,
      [
        vouch,
        'in-toto',
        'run',
        '-n',
        `s${i}`,
        '--signing-key',
        join(dir, 'key.pem'),
        '-m',
        'src',
        '-p',
        'src',
        '-x',
        '-d',
        chain,
      ],
      { cwd: dir },
    );
    void r;
    steps.push({
      _type: 'step',
      name: `s${i}`,
      pubkeys: [pub.keyid],
      threshold: 1,
      expected_command: [],
      expected_materials:
        i === 1
          ? [['ALLOW', 'src/*']]
          : [
              ['MATCH', 'src/*', 'WITH', 'PRODUCTS', 'FROM', `s${i - 1}`],
              ['DISALLOW', '*'],
            ],
      expected_products: [
        ['MATCH', 'src/*', 'WITH', 'MATERIALS', 'FROM', `s${i}`],
        ['DISALLOW', '*'],
      ],
    });
  }
  writeFileSync(
    join(dir, 'unsigned.layout'),
    JSON.stringify({
      signed: {
        _type: 'layout',
        expires: '2099-01-01T00:00:00Z',
        readme: '',
        keys: { [pub.keyid]: pub },
        steps,
        inspect: [],
      },
      signatures: [],
    }),
  );
  timeProcess(
    process.execPath,
    [vouch, 'in-toto', 'sign', '-f', 'unsigned.layout', '-k', 'key.pem', '-o', join(chain, 'root.layout')],
    { cwd: dir },
  );
  const v2 = timeProcess(
    process.execPath,
    [vouch, 'in-toto', 'verify', '-l', 'root.layout', '--layout-key', join(dir, 'key.pub')],
    { cwd: chain },
  );
  const r2 = timeProcess(
    peerPath('in-toto-verify'),
    ['-l', 'root.layout', '--verification-keys', join(dir, 'key.pub')],
    { cwd: chain },
  );
  figures.push(
    { name: `in-toto: verify ${STEPS} steps × ${FILES} artifacts, vouch wall`, value: v2.wallMs, unit: 'ms' },
    { name: `in-toto: verify ${STEPS} steps × ${FILES} artifacts, vouch CPU`, value: v2.cpuMs, unit: 'ms' },
    {
      name: `in-toto: verify ${STEPS} steps × ${FILES} artifacts, in-toto-verify wall`,
      value: r2.wallMs,
      unit: 'ms',
    },
    {
      name: `in-toto: verify ${STEPS} steps × ${FILES} artifacts, in-toto-verify CPU`,
      value: r2.cpuMs,
      unit: 'ms',
    },
    { name: 'in-toto: verify, in-toto-verify / vouch (CPU)', value: r2.cpuMs / v2.cpuMs, unit: '×' },
  );

  // 3. The same two operations in-process: the library's own cost, without node's start-up. CPU time,
  // as for the processes: wall time on a shared machine measures the neighbours.
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  let c0 = process.cpuUsage();
  await recordArtifacts(['src'], { basePath: dir });
  figures.push({
    name: `in-toto: record ${FILES} files, vouch in-process CPU`,
    value: cpuMs(c0),
    unit: 'ms',
  });
  c0 = process.cpuUsage();
  const result = await verifyLayout(await readMetadataFile(join(chain, 'root.layout')), [pub], {
    links: linkDirectory(chain),
    now: new Date(),
  });
  if (!result.ok) throw new Error(`the benchmark chain did not verify: ${result.failure.message}`);
  figures.push({
    name: `in-toto: verify ${STEPS} steps × ${FILES} artifacts, vouch in-process CPU`,
    value: cpuMs(c0),
    unit: 'ms',
  });
  return figures;
}
