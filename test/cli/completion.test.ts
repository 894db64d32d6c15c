// `vouch completion bash|zsh|fish`: scripts built from the command tree; the bash one is run in bash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';

function complete(script: string, words: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-completion-'));
  try {
    writeFileSync(join(dir, 'vouch.bash'), script);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync(
      'bash',
      [
        '-c',
        `source vouch.bash; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _vouch; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bash: commands, their flags and their subcommands complete', async () => {
  const r = await runCli(['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(complete(r.stdout, ['vouch', 'verify-b']).sort(), [
    'verify-blob',
    'verify-blob-attestation',
  ]);
  assert.ok(complete(r.stdout, ['vouch', 'sign', '--ke']).includes('--key'));
  assert.deepEqual(complete(r.stdout, ['vouch', 'db', 'imp']), ['import']);
  assert.ok(complete(r.stdout, ['vouch', 'attach', 'sbom', '--sb']).includes('--sbom'));
});

test('zsh and fish scripts name every command', async () => {
  const zsh = await runCli(['completion', 'zsh']);
  const fish = await runCli(['completion', 'fish']);
  assert.equal(zsh.code, 0, zsh.stderr);
  assert.equal(fish.code, 0, fish.stderr);
  assert.match(zsh.stdout, /^#compdef vouch/);
  for (const cmd of ['sign', 'verify', 'tree', 'scan', 'sbom', 'db']) {
    assert.match(zsh.stdout, new RegExp(`'${cmd}:`));
    assert.match(fish.stdout, new RegExp(`-a ${cmd} -d `));
  }
  assert.match(fish.stdout, /__fish_seen_subcommand_from sign' -l key -r/);
});

test('an unknown shell is a usage error', async () => {
  const r = await runCli(['completion', 'powershell']);
  assert.equal(r.code, 2);
});
