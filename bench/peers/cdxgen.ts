// The SBOM peer: OWASP cdxgen, installed at bench time into .bench/peers (never a dependency of vouch)
// and run offline. Used only by bench/sbom.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProcessTime, timeProcess } from './process-time.js';

/** Pinned so that figures in docs/benchmarks.md can be reproduced; engines: node ^20 || ^22 || ... */
export const CDXGEN_VERSION = '12.8.4';

const ROOT = new URL('../..', import.meta.url).pathname;
const PREFIX = join(ROOT, '.bench', 'peers');
const PACKAGE = join(PREFIX, 'node_modules', '@cyclonedx', 'cdxgen');
export const CDXGEN_BIN = join(PACKAGE, 'bin', 'cdxgen.js');

/**
 * cdxgen's switches for an offline, lockfile-only run: no license or package metadata fetches
 * (FETCH_LICENSE, CDXGEN_FETCH_PKG_METADATA), no `npm install` (--no-install-deps), no babel usage
 * analysis of sources (--no-babel), one directory (--no-recurse), no banner. CDXGEN_IN_CONTAINER
 * silences its root-user warning on these machines (the bench runs as root in a container).
 */
export const CDXGEN_ENV: Record<string, string> = {
  FETCH_LICENSE: 'false',
  CDXGEN_FETCH_PKG_METADATA: 'false',
  CDXGEN_IN_CONTAINER: 'true',
};

export function cdxgenArgs(dir: string, out: string): string[] {
  return [
    CDXGEN_BIN,
    '-t',
    'js',
    '--no-recurse',
    '--no-install-deps',
    '--no-babel',
    '--no-banner',
    '-o',
    out,
    dir,
  ];
}

/** Installs the pinned cdxgen into .bench/peers if it is not there (needs the npm registry once). */
export function ensureCdxgen(): string {
  const pkg = join(PACKAGE, 'package.json');
  const installed = existsSync(pkg)
    ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version
    : undefined;
  if (installed !== CDXGEN_VERSION) {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        PREFIX,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        `@cyclonedx/cdxgen@${CDXGEN_VERSION}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return CDXGEN_BIN;
}

/** Runs cdxgen once on `dir` (an absolute path: cdxgen skips dot-directories given relatively). */
export function runCdxgen(dir: string, out: string): ProcessTime {
  return timeProcess(process.execPath, cdxgenArgs(dir, out), { env: CDXGEN_ENV });
}
