// `vouch login` records credentials in docker's config.json as `cosign login` (and `docker login`) do,
// so every tool that reads that file, vouch included, then authenticates.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { recordLogin } from '../../src/oci/docker-login.js';
import { runCli } from '../support/cli.js';
import { startRegistry } from '../support/registry.js';
import { fileScope, layoutWith, tempDir } from './sign-setup.js';

const USERS = { alice: 'wonderland' };
const reg = await startRegistry(fileScope, { auth: 'htpasswd', users: USERS });

test('after login with --password-stdin, vouch reaches a registry that requires Basic auth', async (t) => {
  const docker = tempDir(t, 'docker');
  const env = { DOCKER_CONFIG: docker };
  const ref = `${reg.host}/login/app:v1`;
  const denied = await runCli(['digest', ref], { env });
  assert.notEqual(denied.code, 0);
  const r = await runCli(['login', reg.host, '-u', 'alice', '--password-stdin'], {
    env,
    stdin: 'wonderland\n',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `logged in via ${join(docker, 'config.json')}\n`);
  assert.equal(statSync(join(docker, 'config.json')).mode & 0o777, 0o600);
  const cfg = JSON.parse(readFileSync(join(docker, 'config.json'), 'utf8')) as {
    auths: Record<string, { auth: string }>;
  };
  assert.equal(Buffer.from(cfg.auths[reg.host]?.auth ?? '', 'base64').toString('utf8'), 'alice:wonderland');
  const { dir } = await layoutWith(t, 'login\n');
  const copied = await runCli(['copy', `oci-dir:${dir}:v1`, ref], { env });
  assert.equal(copied.code, 0, copied.stderr);
  const ok = await runCli(['digest', ref], { env });
  assert.equal(ok.code, 0, ok.stderr);
});

test("-p works as in cosign, with docker's warning on stderr; the password never reaches stdout", async (t) => {
  const docker = tempDir(t, 'docker-p');
  const r = await runCli(['login', reg.host, '-u', 'alice', '-p', 'wonderland'], {
    env: { DOCKER_CONFIG: docker },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /--password-stdin/);
  assert.doesNotMatch(r.stdout + r.stderr, /wonderland/);
});

test('login keeps the other fields and logins of an existing config.json', async (t) => {
  const docker = tempDir(t, 'docker-keep');
  writeFileSync(
    join(docker, 'config.json'),
    JSON.stringify({ auths: { 'ghcr.io': { auth: 'eDp5' } }, psFormat: 'table {{.ID}}' }),
  );
  const r = await runCli(['login', reg.host, '-u', 'alice', '--password-stdin'], {
    env: { DOCKER_CONFIG: docker },
    stdin: 'wonderland',
  });
  assert.equal(r.code, 0, r.stderr);
  const cfg = JSON.parse(readFileSync(join(docker, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg['psFormat'], 'table {{.ID}}');
  assert.deepEqual(Object.keys(cfg['auths'] as object).sort(), ['ghcr.io', reg.host].sort());
});

test('Docker Hub logins are recorded under https://index.docker.io/v1/, as docker records them', () => {
  const out = JSON.parse(recordLogin(undefined, 'docker.io', 'u', 'p', 'cfg').toString('utf8')) as {
    auths: Record<string, unknown>;
  };
  assert.deepEqual(Object.keys(out.auths), ['https://index.docker.io/v1/']);
});

test('a registry served by a credential helper is refused rather than written in plain text', () => {
  const cfg = Buffer.from(JSON.stringify({ credHelpers: { 'ghcr.io': 'gh' } }));
  assert.throws(() => recordLogin(cfg, 'ghcr.io', 'u', 'p', 'cfg'), { code: 'UNSUPPORTED' });
  assert.throws(() => recordLogin(Buffer.from('[1]'), 'ghcr.io', 'u', 'p', 'cfg'), {
    code: 'INPUT_MALFORMED',
  });
});

test('login without a user, or with both password flags, is a usage error', async (t) => {
  const env = { DOCKER_CONFIG: tempDir(t, 'docker-usage') };
  assert.equal((await runCli(['login', reg.host, '-p', 'x'], { env })).code, 2);
  assert.equal(
    (await runCli(['login', reg.host, '-u', 'a', '-p', 'x', '--password-stdin'], { env })).code,
    2,
  );
});
