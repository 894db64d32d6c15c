import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { defaultLimits } from '../../src/limits.js';
import { dockerConfigCredentials, loadDockerConfig, parseDockerConfig } from '../../src/oci/docker-config.js';

function dockerDir(t: TestContext, configText: string | undefined, helpers: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-docker-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (configText !== undefined) writeFileSync(join(dir, 'config.json'), configText);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, script] of Object.entries(helpers)) {
    const path = join(bin, `docker-credential-${name}`);
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
  }
  return { dir, env: { PATH: `${bin}:/usr/bin:/bin` } };
}

const parse = (text: string) => parseDockerConfig(Buffer.from(text), 'config.json');

test('truncated or non-JSON config is INPUT_MALFORMED', () => {
  assert.throws(() => parse('{"auths": {"a": {'), { code: 'INPUT_MALFORMED' });
  assert.throws(() => parse('auths: yes'), { code: 'INPUT_MALFORMED' });
  assert.throws(() => parse('[]'), { code: 'INPUT_MALFORMED' });
});

test('every wrongly typed field is listed by path', () => {
  assert.throws(
    () =>
      parse(JSON.stringify({ auths: { a: 'x', b: { auth: 5 } }, credsStore: 1, credHelpers: { c: true } })),
    (e: { code?: string; fields?: string[] }) => {
      assert.equal(e.code, 'INPUT_MALFORMED');
      assert.deepEqual(e.fields, [
        'auths["a"] (must be an object)',
        'auths["b"].auth (must be a string)',
        'credsStore (must be a string)',
        'credHelpers["c"] (must be a string)',
      ]);
      return true;
    },
  );
});

test('an auth value that is not base64 of user:password is INPUT_MALFORMED', () => {
  assert.throws(() => parse(JSON.stringify({ auths: { a: { auth: 'not base64!' } } })), {
    code: 'INPUT_MALFORMED',
  });
  const noColon = Buffer.from('justauser').toString('base64');
  assert.throws(() => parse(JSON.stringify({ auths: { a: { auth: noColon } } })), {
    code: 'INPUT_MALFORMED',
    message: /auths\["a"\]\.auth/,
  });
});

test('unknown fields are ignored', () => {
  const c = parse(
    JSON.stringify({
      psFormat: 'x',
      proxies: { default: {} },
      auths: { a: { email: 'x', username: 'u', password: 'p' } },
    }),
  );
  assert.deepEqual(c.auths['a'], { username: 'u', password: 'p' });
});

test('a config file over the size limit is INPUT_TOO_LARGE', async (t) => {
  const d = dockerDir(t, `{"auths":{},"pad":"${'x'.repeat(2048)}"}`);
  await assert.rejects(loadDockerConfig(d.dir, 1024), { code: 'INPUT_TOO_LARGE' });
});

test('a helper name that is a path is INPUT_MALFORMED and nothing is run', async (t) => {
  const d = dockerDir(t, JSON.stringify({ credsStore: '../../../bin/sh' }));
  const creds = dockerConfigCredentials({ configDir: d.dir, env: d.env, limits: defaultLimits });
  await assert.rejects(creds('ghcr.io'), { code: 'INPUT_MALFORMED' });
});

test('a helper that prints garbage, too much, or fails is AUTH_FAILED', async (t) => {
  const d = dockerDir(
    t,
    JSON.stringify({ credHelpers: { g: 'garbage', big: 'big', fail: 'fail', half: 'half' } }),
    {
      garbage: 'echo "not json"',
      big: 'head -c 200000 /dev/zero | tr "\\0" x',
      fail: 'echo "boom" >&2\nexit 3',
      half: `echo '{"Username":"u"}'`,
    },
  );
  const creds = dockerConfigCredentials({ configDir: d.dir, env: d.env, limits: defaultLimits });
  await assert.rejects(creds('g'), { code: 'AUTH_FAILED' });
  await assert.rejects(creds('big'), { code: 'AUTH_FAILED' });
  await assert.rejects(creds('fail'), { code: 'AUTH_FAILED', message: /boom/ });
  await assert.rejects(creds('half'), { code: 'AUTH_FAILED' });
});

test('a helper that never answers is TIMEOUT', async (t) => {
  const d = dockerDir(t, JSON.stringify({ credsStore: 'stuck' }), { stuck: 'exec sleep 30' });
  const creds = dockerConfigCredentials({
    configDir: d.dir,
    env: d.env,
    limits: { ...defaultLimits, fetchTimeoutMs: 300 },
  });
  await assert.rejects(creds('ghcr.io'), { code: 'TIMEOUT' });
});

test('an auths["__proto__"] entry stays an entry and does not replace the prototype', () => {
  const c = parse('{"auths":{"__proto__":{"username":"u","password":"p"}},"credHelpers":{"__proto__":"x"}}');
  assert.equal(Object.getPrototypeOf(c.auths), Object.prototype);
  assert.deepEqual(Object.keys(c.auths), ['__proto__']);
  assert.equal(Object.getPrototypeOf(c.credHelpers), Object.prototype);
});
