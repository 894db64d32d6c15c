import type { Finding, TextEdit } from '../finding.js';
import { type CiDocument, isObj, type Obj, type Path, type Step } from './model.js';
import { requiredPermissions } from './permission-table.js';
import { isCommitRef, parseUses } from './uses.js';

/**
 * Safe fixes for `vouch audit ci --fix`, as text edits so comments and formatting survive: pin `uses:`
 * to a commit with a version comment, `persist-credentials: false` on checkouts, least-privilege
 * `permissions:` inferred from the steps, and untrusted expressions moved from `run:` into `env:`.
 * Each fix is applied only where it is certainly safe; everything else is listed as not fixed, with why.
 */

/** A resolved pin: the commit a ref points to and the most specific version tag on that commit. */
export interface Pin {
  readonly sha: string;
  readonly version: string;
}

/** `owner/repo@ref` → pin, or undefined when the ref could not be resolved. */
export type PinLookup = (repo: string, ref: string) => Pin | undefined;

export interface FixPlan {
  readonly edits: readonly TextEdit[];
  /** What was fixed, one line each, for the person reading the diff. */
  readonly applied: readonly string[];
  /** Findings with a fix that was not made, and why. */
  readonly skipped: readonly string[];
}

/** A version-like ref (`v4`, `v4.2.2`, `1.0`): the only refs a pin comment can name. */
export function isVersionRef(ref: string): boolean {
  return /^v?\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$/.test(ref);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i;
}

/** The indentation (spaces) of the keys of the mapping at `path`. */
function keyIndent(doc: CiDocument, path: Path): string {
  const { start } = doc.range(path);
  return ' '.repeat(doc.position(start).column - 1);
}

/** The text of the value at `path` written as a block mapping (not a flow `{…}`) and its first key. */
function blockMapFirstKey(doc: CiDocument, path: Path): number | undefined {
  const v = doc.get(path);
  if (!isObj(v)) return undefined;
  const { start } = doc.range(path);
  if (doc.text[start] === '{') return undefined;
  return start;
}

function pinEdits(
  doc: CiDocument,
  f: Finding,
  lookup: PinLookup,
  applied: string[],
  skipped: string[],
): TextEdit[] {
  const uses = typeof f.properties?.['uses'] === 'string' ? f.properties['uses'] : undefined;
  const u = uses ? parseUses(uses) : undefined;
  if (!uses || u?.kind !== 'repository' || u.ref === undefined || isCommitRef(u.ref)) return [];
  const where = `${doc.file}:${f.line}`;
  if (!isVersionRef(u.ref)) {
    skipped.push(`${where}: ${uses} not pinned: "${u.ref}" is not a version tag; pin it by hand`);
    return [];
  }
  const pin = lookup(`${u.owner}/${u.repo}`, u.ref);
  if (!pin) {
    skipped.push(`${where}: ${uses} not pinned: could not resolve ${u.owner}/${u.repo}@${u.ref} to a commit`);
    return [];
  }
  const name = u.subpath ? `${u.owner}/${u.repo}/${u.subpath}` : `${u.owner}/${u.repo}`;
  // Find the scalar on its line: `uses: owner/repo@ref`, possibly quoted.
  const ls = lineStart(doc.text, lineOffset(doc, f.line));
  const le = lineEnd(doc.text, ls);
  const line = doc.text.slice(ls, le);
  const at = line.indexOf(uses);
  if (at < 0) {
    skipped.push(`${where}: ${uses} not pinned: the reference is not written on one line`);
    return [];
  }
  const edits: TextEdit[] = [
    { file: doc.file, start: ls + at, end: ls + at + uses.length, text: `${name}@${pin.sha}` },
  ];
  const rest = line.slice(at + uses.length);
  const comment = /^(["']?)(\s*)#\s*(.*)$/.exec(rest);
  if (comment) {
    const cStart = ls + at + uses.length + (comment[1] ?? '').length + (comment[2] ?? '').length;
    const old = (comment[3] ?? '').trim();
    const keep = /^v?\d+(\.\d+)*\s*$/.test(old) ? '' : ` ${old}`;
    edits.push({ file: doc.file, start: cStart, end: le, text: `# ${pin.version}${keep}` });
  } else {
    edits.push({ file: doc.file, start: le, end: le, text: ` # ${pin.version}` });
  }
  applied.push(`${where}: pinned ${uses} to ${pin.sha} (${pin.version})`);
  return edits;
}

function lineOffset(doc: CiDocument, line: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const i = doc.text.indexOf('\n', offset);
    if (i < 0) return doc.text.length;
    offset = i + 1;
  }
  return offset;
}

function findStepAt(doc: CiDocument, line: number, column: number): Step | undefined {
  return doc.steps().find((s) => {
    const p = doc.position(doc.range(s.path).start);
    return p.line === line && p.column === column;
  });
}

function persistCredentialsEdits(
  doc: CiDocument,
  f: Finding,
  applied: string[],
  skipped: string[],
): TextEdit[] {
  const step = findStepAt(doc, f.line, f.column);
  const where = `${doc.file}:${f.line}`;
  if (!step) return [];
  const w = step.value['with'];
  if (w === undefined) {
    // A new `with:` goes at the start of the line after `uses:`, so it never shares an offset with the
    // version comment a pin appends at the end of the `uses:` line.
    const usesEnd = doc.range([...step.path, 'uses']).end;
    const le = lineEnd(doc.text, usesEnd);
    const indent = keyIndent(doc, step.path);
    const block = `${indent}with:\n${indent}  persist-credentials: false`;
    applied.push(`${where}: set persist-credentials: false`);
    if (le >= doc.text.length) return [{ file: doc.file, start: le, end: le, text: `\n${block}` }];
    return [{ file: doc.file, start: le + 1, end: le + 1, text: `${block}\n` }];
  }
  const first = blockMapFirstKey(doc, [...step.path, 'with']);
  if (first === undefined || !isObj(w)) {
    skipped.push(`${where}: persist-credentials not set: with: is not a block mapping`);
    return [];
  }
  if ((w as Obj)['persist-credentials'] !== undefined) {
    const r = doc.range([...step.path, 'with', 'persist-credentials']);
    applied.push(`${where}: set persist-credentials: false`);
    return [{ file: doc.file, start: r.start, end: r.end, text: 'false' }];
  }
  const indent = ' '.repeat(doc.position(first).column - 1);
  const ls = lineStart(doc.text, first);
  applied.push(`${where}: set persist-credentials: false`);
  return [{ file: doc.file, start: ls, end: ls, text: `${indent}persist-credentials: false\n` }];
}

function renderPermissions(perms: Readonly<Record<string, string>>, indent: string): string {
  const entries = Object.entries(perms).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return `${indent}permissions: {}\n`;
  return `${indent}permissions:\n${entries.map(([k, v]) => `${indent}  ${k}: ${v}\n`).join('')}`;
}

function permissionEdits(
  doc: CiDocument,
  findings: readonly Finding[],
  applied: string[],
  skipped: string[],
): TextEdit[] {
  const edits: TextEdit[] = [];
  const jobs = doc.jobs();
  let allExplicit = true;
  for (const job of jobs) {
    if (job.value['permissions'] !== undefined) continue;
    const keyPos = doc.position(doc.range(job.path, true).start);
    const flagged = findings.some(
      (f) => f.rule === 'excessive-permissions' && f.line === keyPos.line && f.column === keyPos.column,
    );
    if (!flagged) {
      allExplicit = false;
      continue;
    }
    const where = `${doc.file}:${keyPos.line}`;
    const need = requiredPermissions(doc, job);
    if (!need.ok) {
      allExplicit = false;
      skipped.push(`${where}: no permissions: added to job ${job.id}: ${need.reason}`);
      continue;
    }
    const first = blockMapFirstKey(doc, job.path);
    if (first === undefined) {
      allExplicit = false;
      continue;
    }
    const indent = ' '.repeat(doc.position(first).column - 1);
    const ls = lineStart(doc.text, first);
    edits.push({ file: doc.file, start: ls, end: ls, text: renderPermissions(need.permissions, indent) });
    const shown = Object.entries(need.permissions).map(([k, v]) => `${k}: ${v}`);
    applied.push(`${where}: job ${job.id} gets permissions: ${shown.length > 0 ? shown.join(', ') : '{}'}`);
  }
  // With every job explicit, the workflow itself needs nothing: `permissions: {}` before `jobs:`.
  const top = doc.position(doc.documentStart().start);
  const wfFlagged = findings.some(
    (f) => f.rule === 'excessive-permissions' && f.line === top.line && f.column === top.column,
  );
  if (wfFlagged && allExplicit && doc.root['permissions'] === undefined && doc.root['jobs'] !== undefined) {
    const jobsKey = doc.range(['jobs'], true).start;
    const ls = lineStart(doc.text, jobsKey);
    edits.push({ file: doc.file, start: ls, end: ls, text: 'permissions: {}\n\n' });
    applied.push(`${doc.file}:1: workflow gets permissions: {} (every job declares its own)`);
  }
  return edits;
}

function defaultShell(scope: unknown): unknown {
  if (!isObj(scope)) return undefined;
  const run = scope['run'];
  return isObj(run) ? run['shell'] : undefined;
}

function shellIsPosix(doc: CiDocument, step: Step): boolean {
  const shell =
    step.value['shell'] ?? defaultShell(step.job?.value['defaults']) ?? defaultShell(doc.root['defaults']);
  if (shell === undefined) {
    const runsOn = JSON.stringify(step.job?.value['runs-on'] ?? '');
    return !/windows/i.test(runsOn);
  }
  return typeof shell === 'string' && /^(bash|sh|zsh)\b|\/(bash|sh|zsh)\b/.test(shell);
}

function injectionEdits(
  doc: CiDocument,
  findings: readonly Finding[],
  applied: string[],
  skipped: string[],
): TextEdit[] {
  const edits: TextEdit[] = [];
  const byStep = new Map<string, { step: Step; items: { f: Finding; envVar: string; context: string }[] }>();
  for (const f of findings) {
    if (f.rule !== 'template-injection') continue;
    const envVar = f.properties?.['envVar'];
    const stepPath = f.properties?.['step'];
    const context = f.properties?.['context'];
    if (typeof envVar !== 'string' || !Array.isArray(stepPath) || typeof context !== 'string') continue;
    const step = doc.steps().find((s) => JSON.stringify(s.path) === JSON.stringify(stepPath));
    if (!step) continue;
    const key = JSON.stringify(stepPath);
    const entry = byStep.get(key) ?? { step, items: [] };
    entry.items.push({ f, envVar, context });
    byStep.set(key, entry);
  }
  for (const { step, items } of byStep.values()) {
    const where = `${doc.file}:${items[0]?.f.line ?? 0}`;
    if (!shellIsPosix(doc, step)) {
      skipped.push(`${where}: expressions left in run: the step's shell is not sh/bash`);
      continue;
    }
    const env = step.value['env'];
    if (env !== undefined && (!isObj(env) || blockMapFirstKey(doc, [...step.path, 'env']) === undefined)) {
      skipped.push(`${where}: expressions left in run: env: is not a block mapping`);
      continue;
    }
    const existing: Obj = isObj(env) ? env : {};
    const add = new Map<string, string>();
    let conflict = false;
    for (const it of items) {
      const value = `\${{ ${it.context} }}`;
      const have = existing[it.envVar];
      if (have !== undefined && String(have).replace(/\s+/g, ' ') !== value) conflict = true;
      else if (have === undefined) add.set(it.envVar, value);
    }
    if (conflict) {
      skipped.push(`${where}: expressions left in run: env: already defines a variable of the same name`);
      continue;
    }
    for (const it of items) {
      // The finding spans the context inside the fence; replace the whole `${{ … }}`.
      const fenceStart = doc.text.lastIndexOf('${{', lineOffset(doc, it.f.line) + it.f.column - 1);
      const fenceEnd = doc.text.indexOf('}}', fenceStart) + 2;
      edits.push({ file: doc.file, start: fenceStart, end: fenceEnd, text: `\${${it.envVar}}` });
    }
    const lines = [...add.entries()].map(([k, v]) => `${k}: ${v}`);
    if (isObj(env)) {
      const first = blockMapFirstKey(doc, [...step.path, 'env']) ?? 0;
      const indent = ' '.repeat(doc.position(first).column - 1);
      const ls = lineStart(doc.text, first);
      if (lines.length > 0)
        edits.push({
          file: doc.file,
          start: ls,
          end: ls,
          text: lines.map((l) => `${indent}${l}\n`).join(''),
        });
    } else {
      const indent = keyIndent(doc, step.path);
      const runEnd = doc.range([...step.path, 'run']).end;
      const block = `${indent}env:\n${lines.map((l) => `${indent}  ${l}\n`).join('')}`;
      if (doc.text[runEnd - 1] === '\n')
        edits.push({ file: doc.file, start: runEnd, end: runEnd, text: block });
      else {
        const le = lineEnd(doc.text, runEnd);
        edits.push({ file: doc.file, start: le, end: le, text: `\n${block.slice(0, -1)}` });
      }
    }
    applied.push(`${where}: moved ${items.map((i) => i.context).join(', ')} from run: into env:`);
  }
  return edits;
}

/** Plans the safe fixes for one document's findings (after selection and ignore comments). */
export function planFixes(doc: CiDocument, findings: readonly Finding[], lookup: PinLookup): FixPlan {
  const mine = findings.filter((f) => f.file === doc.file);
  const applied: string[] = [];
  const skipped: string[] = [];
  const edits: TextEdit[] = [];
  const pinned = new Set<number>();
  for (const f of mine) {
    if ((f.rule === 'unpinned-uses' || f.rule === 'oidc-unpinned-federation') && !pinned.has(f.line)) {
      pinned.add(f.line);
      edits.push(...pinEdits(doc, f, lookup, applied, skipped));
    } else if (f.rule === 'artipacked') edits.push(...persistCredentialsEdits(doc, f, applied, skipped));
  }
  edits.push(...permissionEdits(doc, mine, applied, skipped));
  edits.push(...injectionEdits(doc, mine, applied, skipped));
  return { edits: dedupe(edits), applied, skipped };
}

function dedupe(edits: readonly TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const k = `${e.start}:${e.end}:${e.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Applies non-overlapping edits to a text (insertions at the same offset keep their order).
 * @throws Error when two edits overlap: a planning bug, never written to a file
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.start - b.e.start || a.i - b.i);
  let out = '';
  let cursor = 0;
  for (const { e } of sorted) {
    if (e.start < cursor) throw new Error(`overlapping fixes at offset ${e.start}`);
    out += text.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + text.slice(cursor);
}

/** A unified diff of two texts (whole-file hunks per changed region, 3 lines of context). */
export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  // Longest common subsequence on lines; CI files are small (the YAML limit caps them).
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  type Op = { t: ' ' | '-' | '+'; s: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ t: ' ', s: a[i++] ?? '', ai: i, bi: ++j });
    else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0)))
      ops.push({ t: '-', s: a[i++] ?? '', ai: i, bi: j });
    else ops.push({ t: '+', s: b[j++] ?? '', ai: i, bi: j });
  }
  const out = [`--- a/${file}`, `+++ b/${file}`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]?.t === ' ') {
      k++;
      continue;
    }
    let start = Math.max(0, k - 3);
    let end = k;
    while (end < ops.length) {
      if (ops[end]?.t !== ' ') {
        end++;
        continue;
      }
      let run = 0;
      while (end + run < ops.length && ops[end + run]?.t === ' ') run++;
      if (run > 6 || end + run >= ops.length) {
        end = Math.min(ops.length, end + 3);
        break;
      }
      end += run;
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk.filter((o) => o.t !== '+').length > 0 ? (hunk.find((o) => o.t !== '+')?.ai ?? 1) : 0;
    const bStart = hunk.filter((o) => o.t !== '-').length > 0 ? (hunk.find((o) => o.t !== '-')?.bi ?? 1) : 0;
    out.push(
      `@@ -${aStart},${hunk.filter((o) => o.t !== '+').length} +${bStart},${hunk.filter((o) => o.t !== '-').length} @@`,
    );
    for (const o of hunk) out.push(`${o.t}${o.s}`);
    k = end;
    start = end;
  }
  return `${out.join('\n')}\n`;
}
