import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INSTALL_HINT = 'apt-get install -y umoci';

/** Runs umoci with the given arguments; a missing umoci fails with the install command. */
export async function umoci(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('umoci', args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new Error(`umoci is not installed: ${INSTALL_HINT}`);
    throw new Error(`umoci ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

/**
 * Builds an image with umoci: `init --layout` (when the layout is new), `new --image`, and, when files
 * are given, `unpack --rootless` + write the files into the rootfs + `repack`, so the layout holds a
 * real image with one layer made by umoci itself.
 */
export async function umociImage(
  layout: string,
  tag: string,
  files: Record<string, string> = {},
  opts: { initLayout?: boolean } = {},
): Promise<void> {
  if (opts.initLayout !== false) await umoci(['init', '--layout', layout]);
  await umoci(['new', '--image', `${layout}:${tag}`]);
  if (Object.keys(files).length === 0) return;
  const bundle = `${layout}.bundle-${tag}`;
  await umoci(['unpack', '--rootless', '--image', `${layout}:${tag}`, bundle]);
  try {
    for (const [path, content] of Object.entries(files)) {
      const target = join(bundle, 'rootfs', path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await umoci(['repack', '--image', `${layout}:${tag}`, bundle]);
  } finally {
    await rm(bundle, { recursive: true, force: true });
  }
}
