import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { startTokenIssuer, type TokenIssuer, type TokenIssuerOptions } from './token-issuer.js';

export interface StartRegistryOptions {
  /**
   * `token`: the registry trusts a token issuer started alongside it (distribution's token auth).
   * `htpasswd`: HTTP Basic against a bcrypt htpasswd file holding `users`.
   */
  auth?: 'none' | 'token' | 'htpasswd';
  /** user -> password for `htpasswd`. */
  users?: Record<string, string>;
  /** Options for the token issuer when `auth` is `token`. */
  tokens?: TokenIssuerOptions;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: what goes before the repository in a reference. */
  host: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The token issuer, when started with `auth: 'token'`. */
  issuer?: TokenIssuer;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'apt-get install -y docker-registry';
const SERVICE = 'vouch-test-registry';
const ISSUER = 'vouch-test-issuer';

/**
 * Starts Debian's `docker-registry` (distribution 2.8) on loopback with filesystem storage in a temp
 * dir, waits until it listens and answers `GET /v2/`, and registers its shutdown with `t.after`.
 */
export async function startRegistry(
  t: Pick<TestContext, 'after'>,
  opts: StartRegistryOptions = {},
): Promise<TestRegistry> {
  const probe = spawnSync('docker-registry', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`docker-registry is not installed: ${INSTALL_HINT}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vouch-registry-'));
  let issuer: TokenIssuer | undefined;
  if (opts.auth === 'token') {
    issuer = await startTokenIssuer(t, { service: SERVICE, issuer: ISSUER, ...opts.tokens });
  }
  let htpasswd: string | undefined;
  if (opts.auth === 'htpasswd') htpasswd = writeHtpasswd(dir, opts.users ?? {});
  // The registry cannot report a port it picked itself, so take a free one from the kernel; a rare
  // race with another process is retried.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = join(dir, `config-${port}.yml`);
    writeFileSync(config, registryConfig(dir, port, issuer, htpasswd));
    try {
      const child = await launch(config);
      const host = `127.0.0.1:${port}`;
      let stopped = false;
      const stop = async (): Promise<void> => {
        if (stopped) return;
        stopped = true;
        await terminate(child);
        rmSync(dir, { recursive: true, force: true });
      };
      t.after(stop);
      // Listening is not serving: one request proves the API answers (200, or 401 with auth on).
      const ping = await fetch(`http://${host}/v2/`);
      await ping.body?.cancel();
      if (ping.status !== 200 && ping.status !== 401) {
        throw new Error(`docker-registry on ${host} answered GET /v2/ with HTTP ${ping.status}`);
      }
      return { host, url: `http://${host}`, ...(issuer ? { issuer } : {}), stop };
    } catch (e) {
      lastError = e;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

function registryConfig(
  dir: string,
  port: number,
  issuer: TokenIssuer | undefined,
  htpasswd: string | undefined,
): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (issuer) {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${issuer.realm}`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${issuer.certPath}`,
    );
  }
  if (htpasswd) lines.push('auth:', '  htpasswd:', '    realm: vouch-test', `    path: ${htpasswd}`);
  return `${lines.join('\n')}\n`;
}

/**
 * distribution's htpasswd auth takes bcrypt hashes only; python3's crypt module (libxcrypt) makes
 * them. Cost 4, the minimum, keeps the registry's per-request check fast.
 */
function writeHtpasswd(dir: string, users: Record<string, string>): string {
  const script =
    'import crypt, json, sys\n' +
    'for u, p in json.load(sys.stdin).items():\n' +
    '    print(u + ":" + crypt.crypt(p, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))\n';
  const r = spawnSync('python3', ['-W', 'ignore', '-c', script], {
    input: JSON.stringify(users),
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    throw new Error(`python3 could not make bcrypt hashes (apt-get install -y python3): ${r.stderr}`);
  }
  const path = join(dir, 'htpasswd');
  writeFileSync(path, r.stdout);
  return path;
}

/** Spawns the registry and resolves once it logs that it is listening; rejects if it exits first. */
function launch(config: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker-registry', ['serve', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A clean environment: REGISTRY_* variables would override the config file.
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    });
    let log = '';
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      if (/msg="listening on /.test(log)) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        child.off('exit', onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null): void => {
      reject(new Error(`docker-registry exited (${code}) before listening:\n${log.slice(-2000)}`));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
    child.on('error', (e) =>
      reject(new Error(`docker-registry failed to start (${e.message}): ${INSTALL_HINT}`)),
    );
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * A registry shared by every test of one file: started on first use, stopped after the file's last
 * test. Call at module top level; tests keep apart by using their own repository names (see uniqueName).
 */
export function sharedRegistry(opts: StartRegistryOptions = {}): () => Promise<TestRegistry> {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
  let started: Promise<TestRegistry> | undefined;
  return () => {
    started ??= startRegistry({ after: (fn: () => unknown) => cleanups.push(fn) }, opts);
    return started;
  };
}

let nameCounter = 0;
/** A repository name no other test in this process uses: `app-3`. */
export function uniqueName(base: string): string {
  nameCounter += 1;
  return `${base}-${nameCounter}`;
}

/** A TCP port nobody listens on right now (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}
