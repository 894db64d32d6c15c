import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { CiInput } from '../audit/index.js';
import { VouchError } from '../errors.js';

/** More files than this under one path is not a repository's CI configuration. */
export const MAX_CI_FILES = 10_000;
/** Stdin is read up to this many bytes; the YAML size limit then applies as to any file. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;
const SKIP_DIRS = new Set(['.git', 'node_modules', 'vendor', '.venv']);

function isYaml(name: string): boolean {
  return name.endsWith('.yml') || name.endsWith('.yaml');
}

/** CI files under a directory: workflows in .github/workflows, action.y{a,}ml anywhere, dependabot. */
async function collectDir(root: string, cwd: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 32 || found.length > MAX_CI_FILES) return;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new VouchError('INPUT_MALFORMED', `cannot read directory ${relative(cwd, dir) || dir}`, {
        cause: e,
      });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(path, depth + 1);
        continue;
      }
      if (!e.isFile() || !isYaml(e.name)) continue;
      const inWorkflows = dir.endsWith(`${sep}.github${sep}workflows`);
      const isAction = e.name === 'action.yml' || e.name === 'action.yaml';
      const isDependabot =
        (e.name === 'dependabot.yml' || e.name === 'dependabot.yaml') && dir.endsWith(`${sep}.github`);
      if (inWorkflows || isAction || isDependabot) found.push(path);
    }
  };
  await walk(root, 0);
  // A directory of workflow files given directly (`vouch audit ci .github/workflows`, or a folder
  // outside a repository) is audited as it is: its own YAML files are workflows or CI files.
  const top = await readdir(root, { withFileTypes: true });
  if (!top.some((e) => e.isDirectory() && e.name === '.github')) {
    for (const e of top)
      if (e.isFile() && isYaml(e.name) && !found.includes(join(root, e.name))) found.push(join(root, e.name));
  }
  found.sort();
  if (found.length > MAX_CI_FILES)
    throw new VouchError(
      'INPUT_TOO_LARGE',
      `more than ${MAX_CI_FILES} CI files under ${relative(cwd, root) || '.'}`,
    );
  return found;
}

async function readStdin(stdin: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.byteLength;
    if (size > MAX_STDIN_BYTES)
      throw new VouchError('INPUT_TOO_LARGE', `standard input is larger than ${MAX_STDIN_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads the CI files named by the PATH arguments: a repository or directory (its workflows, actions
 * and Dependabot file), a single file, or `-` for standard input. Display names are relative to cwd.
 * A path that does not exist is a usage error; nothing is audited.
 * @throws USAGE for a missing path or a directory without CI files; INPUT_TOO_LARGE for too many files or oversized stdin
 */
export async function readCiInputs(
  paths: readonly string[],
  cwd: string,
  stdin: Readable,
): Promise<CiInput[]> {
  const out: CiInput[] = [];
  const list = paths.length > 0 ? paths : ['.'];
  for (const p of list) {
    if (p === '-') {
      out.push({ file: '-', content: await readStdin(stdin) });
      continue;
    }
    const abs = resolve(cwd, p);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(abs);
    } catch (e) {
      throw new VouchError('USAGE', `${p}: no such file or directory`, { cause: e });
    }
    const files = st.isDirectory() ? await collectDir(abs, cwd) : [abs];
    if (files.length === 0)
      throw new VouchError('USAGE', `${p}: no workflows, action.yml or dependabot.yml found`, {
        hint: 'give the repository root, its .github/workflows directory, or the files',
      });
    for (const f of files) {
      const name = relative(cwd, f) || f;
      out.push({ file: name, content: await readFile(f) });
    }
  }
  return out;
}
