// Shared setup for the test/cli/sign-*.test.ts suites: temp dirs, a key pair made by the real
// `vouch generate-key-pair`, and small real images in OCI layouts (src/oci/image-builder.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Digest } from '../../src/oci/digest.js';
import { buildImage, type ImageSpec } from '../../src/oci/image-builder.js';
import { createOciLayoutWriter } from '../../src/oci/layout-dir.js';
import { runCli } from '../support/cli.js';

/** Cleanup registration, as node:test's TestContext.after (and bench's BenchScope) offer it. */
export interface Scope {
  after(fn: () => unknown): void;
}

/** Cleanups that run when the whole test file is done: for a registry or key pair shared by a file. */
export const fileScope: Scope = {
  after(fn) {
    after(async () => {
      await fn();
    });
  },
};

export const PASSWORD = 'correct horse battery staple';
export const ENV = { VOUCH_PASSWORD: PASSWORD };

const CREATED = new Date('2026-01-01T00:00:00Z');

export function appSpec(content: string): ImageSpec {
  return { created: CREATED, layers: [[{ path: 'app/hello.txt', content }]] };
}

export function tempDir(t: Scope, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vouch-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** cosign.key + cosign.pub in a fresh directory, written by `vouch generate-key-pair`. */
export async function keyPair(
  t: Scope,
  prefix = 'cosign',
): Promise<{ dir: string; key: string; pub: string }> {
  const dir = tempDir(t, 'keys');
  const r = await runCli(['generate-key-pair', '--output-key-prefix', prefix], { env: ENV, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return { dir, key: join(dir, `${prefix}.key`), pub: join(dir, `${prefix}.pub`) };
}

/** An OCI layout holding one small image under `tag`. */
export async function layoutWith(
  t: Scope,
  content: string,
  tag = 'v1',
): Promise<{ dir: string; digest: Digest }> {
  const dir = join(tempDir(t, 'layout'), 'layout');
  const w = await createOciLayoutWriter(dir);
  const img = await buildImage(w, { ...appSpec(content), tag });
  await w.commit();
  return { dir, digest: img.descriptor.digest };
}

/** Pushes a small image to `ref` (host/repo:tag) through `vouch copy`; returns its digest. */
export async function pushImage(t: Scope, ref: string, content: string): Promise<Digest> {
  const { dir, digest } = await layoutWith(t, content);
  const r = await runCli(['copy', '--insecure-registry', `oci-dir:${dir}:v1`, ref]);
  assert.equal(r.code, 0, r.stderr);
  return digest;
}
