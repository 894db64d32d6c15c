import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { describeCause, VouchError } from '../errors.js';
import { type Limits, withLimits } from '../limits.js';
import { readSmallFile } from '../sign/index.js';
import {
  type CueEngine,
  cueSubset,
  lintPolicies,
  loadPolicies,
  mergePolicySets,
  type PolicyIssue,
  type PolicySet,
  settle,
} from '../policy/index.js';
import { resolveExternalPolicies } from '../evidence/index.js';
import type { ConfigMapSource } from './config-maps.js';

const POLICY_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface PolicyLoadOutcome {
  readonly ok: boolean;
  readonly files: readonly string[];
  /** Lint errors that made the set be refused; warnings of an accepted set. */
  readonly issues: readonly PolicyIssue[];
  readonly error?: VouchError;
}

/**
 * The webhook's active policy set, loaded from files and directories and reloaded without a restart.
 * A reload that fails lint is refused as a whole and reported: the previous set stays active, since a
 * half-loaded set would silently drop an Enforce rule.
 */
export class PolicyStore {
  private active: PolicySet = { cips: [], kyverno: [], trustRoots: [] };
  private loaded = false;
  private fingerprint = '';
  private timer: NodeJS.Timeout | undefined;
  last: PolicyLoadOutcome | undefined;

  constructor(
    private readonly paths: readonly string[],
    private readonly opts: {
      limits?: Partial<Limits>;
      onReload?: (o: PolicyLoadOutcome) => void;
      /** The CUE engine policies are compiled with, and real CUE's answerer (see cue/answers.ts). */
      cue?: { engine: CueEngine; answer?: () => Promise<boolean> };
      /** Where CIP `configMapRef` policies are read from (re-read on every reload). */
      configMaps?: ConfigMapSource;
    } = {},
  ) {}

  current(): PolicySet {
    return this.active;
  }

  get ready(): boolean {
    return this.loaded;
  }

  /**
   * Reads every policy file now; keeps the previous set if any file fails lint.
   * @throws never: failures are returned (and reported through onReload)
   */
  async reload(): Promise<PolicyLoadOutcome> {
    let outcome: PolicyLoadOutcome;
    try {
      const files = await policyFiles(this.paths);
      // Each file's size is checked before it is read: a 100 MB file in the policy directory costs a
      // stat, not 100 MB of memory per replica on every reload.
      const max = withLimits(this.opts.limits).yamlMaxBytes;
      const texts = await Promise.all(
        files.map(async (f) => ({
          f,
          text: (await readSmallFile(f, '/', max, 'policy file')).toString('utf8'),
        })),
      );
      const loadOpts = {
        ...(this.opts.limits ? { limits: this.opts.limits } : {}),
        ...(this.opts.cue ? { cue: this.opts.cue.engine } : {}),
      };
      // Lint and load are pure; CUE that needs real CUE is compiled between the two passes.
      const { sets, issues } = await settle(() => {
        const sets: PolicySet[] = [];
        const issues: PolicyIssue[] = [];
        for (const { f, text } of texts) {
          const lint = lintPolicies(text, f, loadOpts);
          issues.push(...lint.issues);
          if (lint.issues.some((i) => i.severity === 'error')) continue;
          sets.push(loadPolicies(text, f, loadOpts));
        }
        return { sets, issues };
      }, this.opts.cue?.answer);
      const errors = issues.filter((i) => i.severity === 'error');
      if (errors.length > 0) {
        outcome = {
          ok: false,
          files,
          issues: errors,
          error: new VouchError(
            'POLICY_INVALID',
            `policy reload refused: ${errors.length} error(s); previous set stays active`,
            {
              hint: 'run `vouch policy lint -f <file>` for a fix per field',
            },
          ),
        };
      } else {
        // No files is a valid, empty set: the webhook then starts and answers every image with the
        // no-match policy instead of crash-looping a Deployment whose policies come later.
        this.active = await resolveExternalPolicies(
          mergePolicySets(sets),
          this.opts.cue ?? { engine: cueSubset },
          {
            ...(this.opts.configMaps ? { configMaps: this.opts.configMaps } : {}),
          },
        );
        this.loaded = true;
        outcome = { ok: true, files, issues };
      }
    } catch (e) {
      const err =
        e instanceof VouchError
          ? e
          : new VouchError('IO_ERROR', `reading policies: ${describeCause(e)}`, { cause: e });
      outcome = { ok: false, files: [], issues: [], error: err };
    }
    this.last = outcome;
    this.opts.onReload?.(outcome);
    return outcome;
  }

  /** Polls the files' sizes and mtimes and reloads when they change (works for ConfigMap symlink swaps). */
  watch(intervalMs: number): void {
    this.timer = setInterval(() => {
      void this.changed().then((c) => (c ? this.reload() : undefined));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async changed(): Promise<boolean> {
    try {
      const files = await policyFiles(this.paths);
      const parts: string[] = [];
      for (const f of files) {
        const s = await stat(f);
        parts.push(`${f}:${s.size}:${s.mtimeMs}`);
      }
      const fp = parts.join('|');
      if (fp === this.fingerprint) return false;
      this.fingerprint = fp;
      return true;
    } catch (e) {
      this.opts.onReload?.({
        ok: false,
        files: [],
        issues: [],
        error: new VouchError('IO_ERROR', `watching policies: ${describeCause(e)}`, { cause: e }),
      });
      return false;
    }
  }
}

/** Policy files named directly, and the .yaml/.yml/.json files of named directories (not recursive), sorted. */
export async function policyFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch((e: unknown) => {
      throw new VouchError('FILE_NOT_FOUND', `policy path ${p}: ${describeCause(e)}`, { cause: e });
    });
    if (s.isDirectory()) {
      for (const name of (await readdir(p)).sort()) {
        if (name.startsWith('.') || !POLICY_EXTENSIONS.has(extname(name))) continue;
        const full = join(p, name);
        if ((await stat(full)).isFile()) out.push(full);
      }
    } else out.push(p);
  }
  return out;
}
