import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { VouchError } from '../errors.js';
import { writeFileAtomic } from '../fs/index.js';
import { type RecordOptions, recordArtifacts } from './artifact-recorder.js';
import type { SigningKey } from './keys.js';
import {
  type Metadata,
  parseMetadata,
  serializeMetadata,
  signMetadata,
  unsignedMetadata,
  verifyMetadataSignature,
} from './metadata.js';
import type { Link } from './model.js';
import { linkToJson } from './model.js';

/**
 * `vouch in-toto run` and `record start|stop`: the functionary's side. Materials are recorded before
 * the command and products after it; the command runs without a shell, with a time limit; the link is
 * signed and written as `NAME.KEYID8.link` (the reference's file name), atomically.
 */
export interface CommandResult {
  readonly returnValue: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv with a time limit, keeping its output only when asked (in-toto-run --record-streams). */
export async function executeCommand(
  argv: readonly string[],
  opts: {
    cwd: string;
    timeoutMs: number;
    recordStreams: boolean;
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
  },
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new VouchError('USAGE', 'no command to run', { hint: 'put the command after --' });
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', opts.recordStreams ? 'pipe' : 'inherit', opts.recordStreams ? 'pipe' : 'inherit'],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const cap = 16 * 1024 * 1024;
    let size = 0;
    const keep = (bucket: Buffer[]) => (c: Buffer) => {
      size += c.length;
      if (size <= cap) bucket.push(c);
    };
    child.stdout?.on('data', keep(out));
    child.stderr?.on('data', keep(err));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      const code = (e as NodeJS.ErrnoException).code;
      reject(
        code === 'ENOENT'
          ? new VouchError('FILE_NOT_FOUND', `command not found: ${file}`, { cause: e })
          : new VouchError('IO_ERROR', `${file}: ${e.message}`, { cause: e }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new VouchError(
            'TIMEOUT',
            `${argv.join(' ')}: still running after ${Math.round(opts.timeoutMs / 1000)} s; stopped`,
            {
              hint: 'raise the limit with --run-timeout',
            },
          ),
        );
        return;
      }
      resolvePromise({
        // A signal-killed process has no code; the reference records Popen's negative signal number.
        returnValue: code ?? -(signal ? (osSignal(signal) ?? 1) : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

function osSignal(name: NodeJS.Signals): number | undefined {
  const table: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
    SIGSEGV: 11,
    SIGABRT: 6,
  };
  return table[name];
}

export interface StepOptions extends RecordOptions {
  readonly name: string;
  readonly materials: readonly string[];
  readonly products: readonly string[];
  /** Empty for a step without a command (in-toto-run --no-command). */
  readonly command: readonly string[];
  readonly recordStreams: boolean;
  readonly timeoutMs: number;
  readonly format: 'metablock' | 'dsse';
  readonly cwd: string;
  readonly recordEnvironment?: boolean;
}

/** The unsigned link of a step; runs its command between recording materials and products. */
export async function runStep(opts: StepOptions): Promise<Link> {
  const materials = await recordArtifacts(opts.materials, opts);
  let byproducts: Record<string, unknown> = {};
  if (opts.command.length > 0) {
    const r = await executeCommand(opts.command, {
      cwd: opts.cwd,
      timeoutMs: opts.timeoutMs,
      recordStreams: opts.recordStreams,
    });
    byproducts = { 'return-value': r.returnValue, stderr: r.stderr, stdout: r.stdout };
  }
  const products = await recordArtifacts(opts.products, opts);
  return {
    _type: 'link',
    name: opts.name,
    materials,
    products,
    byproducts,
    command: [...opts.command],
    environment: opts.recordEnvironment ? { workdir: opts.cwd } : {},
  };
}

/** The reference's link file name: `NAME.KEYID8.link`. */
export function linkFileName(step: string, keyid: string): string {
  return `${step}.${keyid.slice(0, 8)}.link`;
}

function unfinishedFileName(step: string, keyid: string): string {
  return `.${step}.${keyid.slice(0, 8)}.link-unfinished`;
}

/** Signs a link and writes it into `dir`; returns the path. */
export async function writeSignedLink(
  link: Link,
  key: SigningKey,
  format: 'metablock' | 'dsse',
  dir: string,
): Promise<string> {
  const signed = signMetadata(unsignedMetadata(linkToJson(link), format, link.name), key);
  const path = join(dir, linkFileName(link.name, key.public.keyid));
  await writeFileAtomic(path, serializeMetadata(signed));
  return path;
}

/** `record start`: materials now, in a signed `.NAME.KEYID8.link-unfinished`. */
export async function recordStart(
  opts: Omit<StepOptions, 'products' | 'command' | 'recordStreams' | 'timeoutMs'>,
  key: SigningKey,
  dir: string,
): Promise<string> {
  const materials = await recordArtifacts(opts.materials, opts);
  const link: Link = {
    _type: 'link',
    name: opts.name,
    materials,
    products: new Map(),
    byproducts: {},
    command: [],
    environment: {},
  };
  const m = signMetadata(unsignedMetadata(linkToJson(link), opts.format, opts.name), key);
  const path = join(dir, unfinishedFileName(opts.name, key.public.keyid));
  await writeFileAtomic(path, serializeMetadata(m));
  return path;
}

/**
 * `record stop`: reads the unfinished link, checks it was signed by the same key (so nobody swapped
 * the recorded materials in between), records products, signs and writes the link, removes the
 * unfinished file.
 */
export async function recordStop(
  opts: Omit<StepOptions, 'materials' | 'command' | 'recordStreams' | 'timeoutMs'>,
  key: SigningKey,
  dir: string,
): Promise<string> {
  const unfinished = join(dir, unfinishedFileName(opts.name, key.public.keyid));
  let m: Metadata;
  try {
    m = parseMetadata(await readFile(unfinished), unfinished);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new VouchError(
        'FILE_NOT_FOUND',
        `${unfinished}: no unfinished link for step '${opts.name}' by key ${key.public.keyid.slice(0, 8)}`,
        {
          hint: 'run `vouch in-toto record start` with the same step name and key first',
        },
      );
    }
    throw e;
  }
  if (!verifyMetadataSignature(m, key.public) || m.payload.kind !== 'link') {
    throw new VouchError('SIGNATURE_INVALID', `${unfinished}: not signed by key ${key.public.keyid}`, {
      hint: 'the unfinished link was changed or made with another key; start the step again',
    });
  }
  const products = await recordArtifacts(opts.products, opts);
  const link: Link = { ...m.payload.link, products };
  const path = await writeSignedLink(link, key, opts.format, dir);
  await rm(unfinished, { force: true });
  return path;
}
