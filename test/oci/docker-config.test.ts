import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { defaultLimits } from '../../src/limits.js';
import {
  dockerConfigCredentials,
  dockerCredentialFor,
  parseDockerConfig,
} from '../../src/oci/docker-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A temp dir with a config.json and a bin/ of real, executable fake credential helpers. */
function dockerDir(t: TestContext, config: unknown, helpers: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-docker-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (config !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, script] of Object.entries(helpers)) {
    const path = join(bin, `docker-credential-${name}`);
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
  }
  return { dir, env: { PATH: `${bin}:/usr/bin:/bin` } };
}

function source(d: { dir: string; env: Record<string, string> }, timeoutMs = 10_000) {
  return dockerConfigCredentials({
    configDir: d.dir,
    env: d.env,
    limits: { ...defaultLimits, fetchTimeoutMs: timeoutMs },
  });
}

// Echoes the server URL it was asked about as the username, so tests see what docker would send.
const ECHO_HELPER = `[ "$1" = get ] || exit 2\nread server\nprintf '{"ServerURL":"%s","Username":"%s","Secret":"s3cret"}' "$server" "$server"`;
const NOT_FOUND_HELPER = `echo "credentials not found in native keychain"\nexit 1`;

test('an auths entry with base64 auth gives basic credentials, splitting at the first colon', async () => {
  const config = parseDockerConfig(
    Buffer.from(JSON.stringify({ auths: { 'ghcr.io': { auth: b64('alice:pa:ss') } } })),
    'c',
  );
  assert.deepEqual(await dockerCredentialFor(config, 'ghcr.io', { env: {}, limits: defaultLimits }), {
    kind: 'basic',
    username: 'alice',
    password: 'pa:ss',
  });
});

test('auths keys are matched by host, whatever scheme or path docker wrote', async () => {
  const config = parseDockerConfig(
    Buffer.from(
      JSON.stringify({
        auths: {
          'http://127.0.0.1:5000/v2/': { username: 'bob', password: 'pw' },
          'https://index.docker.io/v1/': { identitytoken: 'refresh-1' },
        },
      }),
    ),
    'c',
  );
  const opts = { env: {}, limits: defaultLimits };
  assert.deepEqual(await dockerCredentialFor(config, '127.0.0.1:5000', opts), {
    kind: 'basic',
    username: 'bob',
    password: 'pw',
  });
  assert.deepEqual(await dockerCredentialFor(config, 'docker.io', opts), {
    kind: 'identity-token',
    token: 'refresh-1',
  });
  assert.deepEqual(await dockerCredentialFor(config, 'quay.io', opts), { kind: 'anonymous' });
});

test('a credHelpers entry runs docker-credential-<name> get with the server on stdin', async (t) => {
  const d = dockerDir(t, { credHelpers: { 'registry.example.com': 'echo' } }, { echo: ECHO_HELPER });
  assert.deepEqual(await source(d)('registry.example.com'), {
    kind: 'basic',
    username: 'registry.example.com',
    password: 's3cret',
  });
});

test('Docker Hub is asked for as https://index.docker.io/v1/, as the docker CLI does', async (t) => {
  const d = dockerDir(t, { credsStore: 'echo' }, { echo: ECHO_HELPER });
  assert.deepEqual(await source(d)('docker.io'), {
    kind: 'basic',
    username: 'https://index.docker.io/v1/',
    password: 's3cret',
  });
});

test('a helper answering Username "<token>" gives an identity token', async (t) => {
  const d = dockerDir(
    t,
    { credsStore: 'tok' },
    { tok: `read s\necho '{"Username":"<token>","Secret":"refresh-2"}'` },
  );
  assert.deepEqual(await source(d)('ghcr.io'), { kind: 'identity-token', token: 'refresh-2' });
});

test('credHelpers wins over credsStore, which wins over auths', async (t) => {
  const d = dockerDir(
    t,
    {
      auths: { 'a.example': { auth: b64('file:pw') }, 'b.example': { auth: b64('file:pw') } },
      credsStore: 'store',
      credHelpers: { 'a.example': 'helper' },
    },
    {
      store: `read s\necho '{"Username":"store","Secret":"x"}'`,
      helper: `read s\necho '{"Username":"helper","Secret":"x"}'`,
    },
  );
  const creds = source(d);
  assert.deepEqual(await creds('a.example'), { kind: 'basic', username: 'helper', password: 'x' });
  assert.deepEqual(await creds('b.example'), { kind: 'basic', username: 'store', password: 'x' });
});

test('a credsStore without the credentials falls back to the auths entry', async (t) => {
  const d = dockerDir(
    t,
    { auths: { 'a.example': { auth: b64('file:pw') } }, credsStore: 'empty' },
    { empty: NOT_FOUND_HELPER },
  );
  assert.deepEqual(await source(d)('a.example'), { kind: 'basic', username: 'file', password: 'pw' });
});

test('a credHelper without the credentials means anonymous', async (t) => {
  const d = dockerDir(t, { credHelpers: { 'a.example': 'empty' } }, { empty: NOT_FOUND_HELPER });
  assert.deepEqual(await source(d)('a.example'), { kind: 'anonymous' });
});

test('no config.json means anonymous', async (t) => {
  const d = dockerDir(t, undefined);
  assert.deepEqual(await source(d)('ghcr.io'), { kind: 'anonymous' });
});

test('a helper that is not on PATH is TOOL_MISSING naming it', async (t) => {
  const d = dockerDir(t, { credsStore: 'nonexistent' });
  await assert.rejects(source(d)('ghcr.io'), {
    code: 'TOOL_MISSING',
    message: /docker-credential-nonexistent/,
  });
});
