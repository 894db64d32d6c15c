import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { type CliResult, runCli } from '../support/cli.js';

export const VULN_FIXTURES = new URL('../fixtures/vuln/', import.meta.url).pathname;
export const OSV_DIR = join(VULN_FIXTURES, 'osv');
export const SBOMS = join(VULN_FIXTURES, 'sboms');
export const VEX_DIR = join(VULN_FIXTURES, 'vex');
/** 2023-11-14T22:13:20Z: every document time in these tests comes from here. */
export const EPOCH = '1700000000';

export interface ScanEnv {
  dir: string;
  db: string;
  vouch(argv: string[], stdin?: string): Promise<CliResult>;
}

/** A temp dir with a database built from the OSV fixtures through `vouch db build`. */
export async function scanEnv(t: TestContext, opts: { build?: boolean } = {}): Promise<ScanEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-scan-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const db = join(dir, 'vuln.db');
  const vouch = (argv: string[], stdin?: string): Promise<CliResult> =>
    runCli(argv, {
      env: { VOUCH_DB: db, SOURCE_DATE_EPOCH: EPOCH, HOME: dir },
      cwd: dir,
      ...(stdin !== undefined ? { stdin } : {}),
    });
  if (opts.build !== false) {
    const r = await vouch(['db', 'build', '--from', OSV_DIR]);
    assert.equal(r.code, 0, r.stderr);
  }
  return { dir, db, vouch };
}

export interface ScanJson {
  summary: Record<string, number>;
  findings: Array<{
    id: string;
    aliases: string[];
    package: { purl: string; name: string };
    vex?: { status: string };
  }>;
  suppressed: Array<{ id: string; suppressedBy: string; status?: string; justification?: string }>;
  skipped: { components: unknown[]; sbom: Array<{ reason: string }> };
}

export function parseScan(r: CliResult): ScanJson {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ScanJson;
}
