import { editDistance } from '../rule-selection.js';
import { ARCHIVED_REPOS, POPULAR_ACTIONS } from './action-lists.js';
import { allContexts, contextPattern, type Expr, parseExpression } from './expressions.js';
import type { CiDocument, CiFinding, Path } from './model.js';
import { usesSites } from './rules-uses.js';
import { repoSlug } from './uses.js';

/**
 * zizmor's remaining audits: archived-uses, typosquat-uses, obfuscation, adhoc-packages,
 * unredacted-secrets, unsound-condition and unsound-contains.
 */

export function archivedUses(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const site of usesSites(doc)) {
    if (site.uses.kind !== 'repository' || !ARCHIVED_REPOS.has(repoSlug(site.uses))) continue;
    out.push(
      doc.finding(
        {
          rule: 'archived-uses',
          severity: 'medium',
          confidence: 'high',
          message: `${repoSlug(site.uses)} is archived: it will not get security fixes`,
          fix: { description: 'replace it with a maintained action' },
        },
        doc.range(site.path),
      ),
    );
  }
  return out;
}

/**
 * typosquat-uses: an `owner/repo` one edit (insertion, deletion, substitution or swap) away from a
 * widely used action, but not that action: the shape of a typosquat.
 */
export function typosquatUses(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const popular = POPULAR_ACTIONS.map((p) => p.toLowerCase());
  for (const site of usesSites(doc)) {
    if (site.uses.kind !== 'repository') continue;
    const slug = repoSlug(site.uses);
    if (popular.includes(slug)) continue;
    // One edit changes the length by at most one: the cheap test first, the distance only then.
    const near = popular.find(
      (p) => Math.abs(p.length - slug.length) <= 1 && (editDistance(p, slug) === 1 || transposed(p, slug)),
    );
    if (!near) continue;
    out.push(
      doc.finding(
        {
          rule: 'typosquat-uses',
          severity: 'high',
          confidence: 'low',
          message: `${slug} looks like a typosquat of ${near}`,
        },
        doc.range(site.path),
      ),
    );
  }
  return out;
}

function transposed(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
  const [i, j] = diff;
  return diff.length === 2 && i !== undefined && j === i + 1 && a[i] === b[j] && a[j] === b[i];
}

/** True when an expression reads no context and calls nothing that depends on the run. */
function isConstant(e: Expr): boolean {
  switch (e.kind) {
    case 'literal':
      return true;
    case 'ident':
    case 'star':
    case 'member':
    case 'index':
      return false;
    case 'not':
      return isConstant(e.operand);
    case 'binary':
      return isConstant(e.left) && isConstant(e.right);
    case 'call': {
      const pure = ['format', 'join', 'tojson', 'fromjson', 'contains', 'startswith', 'endswith'];
      return pure.includes(e.name.toLowerCase()) && e.args.every(isConstant);
    }
  }
}

/**
 * obfuscation: `uses:` paths with `.`, `..` or empty components (they defeat pattern matching), and
 * expressions that are constants in disguise (`${{ 'curl' }}`, `${{ format('{0}', 'x') }}`).
 */
export function obfuscation(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const site of usesSites(doc)) {
    const u = site.uses;
    if (u.kind !== 'repository' || u.subpath === undefined) continue;
    const parts = u.subpath.split('/');
    const what = parts.includes('..')
      ? "contains '..'"
      : parts.includes('.')
        ? "contains '.'"
        : parts.some((p) => p === '')
          ? 'contains empty component'
          : undefined;
    if (!what) continue;
    out.push(
      doc.finding(
        { rule: 'obfuscation', severity: 'low', confidence: 'high', message: `actions reference ${what}` },
        doc.range(site.path, true),
      ),
    );
  }
  for (const path of doc.expressionStrings())
    for (const w of doc.expressionsAt(path)) {
      if (!w.expr || w.expr.kind === 'literal' || !isConstant(w.expr)) continue;
      out.push(
        doc.finding(
          {
            rule: 'obfuscation',
            severity: 'low',
            confidence: 'high',
            message: 'expression can be replaced by its static evaluation',
          },
          { start: w.base + w.expr.span.start, end: w.base + w.expr.span.end },
        ),
      );
    }
  return out;
}

const ADHOC = [
  /\bgem\s+(?:-\S+\s+)*(?:install|i)\s+(?:-\S+\s+)*[^\s-]/,
  /\bbundle\s+add\s+(?:-\S+\s+)*[^\s-]/,
  /\bnpm\s+(?:-\S+\s+)*(?:install|i|in|ins|inst|insta|instal|isnt|isnta|isntal|isntall|add)\s+(?:-\S+\s+)*[^\s-]/,
  /\byarn\s+(?:.*\s)?add\s+(?:-\S+\s+)*[^\s-]/,
  /\bpnpm\s+(?:.*\s)?add\s+(?:-\S+\s+)*[^\s-]/,
];

/** adhoc-packages: a package installed by name in `run:`, outside any lockfile. */
export function adhocPackages(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const step of doc.steps()) {
    if (typeof step.value['run'] !== 'string') continue;
    const { start, end } = doc.range([...step.path, 'run']);
    const raw = doc.text.slice(start, end);
    let offset = 0;
    for (const line of raw.split('\n')) {
      for (const re of ADHOC) {
        const m = re.exec(line);
        if (!m) continue;
        out.push(
          doc.finding(
            {
              rule: 'adhoc-packages',
              severity: 'low',
              confidence: 'high',
              message: 'installs a package outside of a lockfile',
              fix: { description: 'declare the package in a manifest with a lockfile and install from it' },
            },
            { start: start + offset + m.index, end: start + offset + m.index + m[0].length },
          ),
        );
        break;
      }
      offset += line.length + 1;
    }
  }
  return out;
}

/**
 * unredacted-secrets: `fromJSON(secrets.X)` turns a secret into values the runner does not know are
 * secret, so its parts are printed unmasked in logs.
 */
export function unredactedSecrets(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const count = (e: Expr): number => {
    switch (e.kind) {
      case 'call': {
        const own =
          e.name.toLowerCase() === 'fromjson' &&
          e.args.some(
            (a) =>
              (a.kind === 'ident' || a.kind === 'member' || a.kind === 'index') &&
              contextPattern(a)?.split('.')[0] === 'secrets',
          )
            ? 1
            : 0;
        return own + e.args.reduce((n, a) => n + count(a), 0);
      }
      case 'member':
      case 'index':
        return count(e.object);
      case 'not':
        return count(e.operand);
      case 'binary':
        return count(e.left) + count(e.right);
      default:
        return 0;
    }
  };
  for (const path of doc.expressionStrings())
    for (const w of doc.expressionsAt(path)) {
      if (!w.expr) continue;
      for (let i = count(w.expr); i > 0; i--)
        out.push(
          doc.finding(
            {
              rule: 'unredacted-secrets',
              severity: 'medium',
              confidence: 'high',
              message: 'fromJSON() of a secret bypasses secret redaction',
              fix: { description: 'store each value as its own secret' },
            },
            { start: w.start, end: w.end },
          ),
        );
    }
  return out;
}

function ifPaths(doc: CiDocument): Path[] {
  return [...doc.jobs().map((j) => [...j.path, 'if']), ...doc.steps().map((s) => [...s.path, 'if'])];
}

/**
 * unsound-condition: `if: |` with a fenced `${{ … }}` evaluates the string `"false\n"`, which is truthy:
 * text outside the fence (a newline from a block scalar) makes the condition always true.
 */
export function unsoundCondition(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const path of ifPaths(doc)) {
    const v = doc.get(path);
    if (typeof v !== 'string') continue;
    const fences = doc.expressionsAt(path);
    if (fences.length === 0) continue;
    const first = fences[0];
    const only =
      fences.length === 1 &&
      first !== undefined &&
      v.trim() === doc.text.slice(first.start, first.end).trim();
    if (only && v === v.trim()) continue;
    out.push(
      doc.finding(
        {
          rule: 'unsound-condition',
          severity: 'high',
          confidence: 'high',
          message:
            'condition always evaluates to true: text outside the expression fence makes it a non-empty string',
          fix: { description: 'drop the expression fence, or use a |- / >- block scalar' },
        },
        doc.range(path, true),
      ),
    );
  }
  return out;
}

const USER_CONTROLLABLE = [
  'env',
  'github.actor',
  'github.base_ref',
  'github.head_ref',
  'github.ref',
  'github.ref_name',
  'github.sha',
  'github.triggering_actor',
  'inputs',
];

/**
 * unsound-contains: `contains('refs/heads/main refs/heads/dev', github.ref)` searches a string, so
 * `github.ref == 'refs/heads/mai'` passes. High when the context is attacker-influenced, else
 * informational.
 */
export function unsoundContains(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  for (const path of ifPaths(doc)) {
    const v = doc.get(path);
    if (typeof v !== 'string') continue;
    const exprs: Expr[] = [];
    const fenced = doc.expressionsAt(path);
    if (fenced.length > 0) {
      for (const w of fenced) if (w.expr) exprs.push(w.expr);
    } else {
      try {
        exprs.push(parseExpression(v));
      } catch {
        // An unparseable bare condition is GitHub's to reject at load time.
      }
    }
    const visit = (e: Expr): void => {
      if (e.kind === 'call') {
        const [a, b] = e.args;
        if (
          e.name.toLowerCase() === 'contains' &&
          e.args.length === 2 &&
          a?.kind === 'literal' &&
          typeof a.value === 'string' &&
          b
        ) {
          const ctx = allContexts(b)[0];
          if (ctx && ctx.node === b) {
            const p = ctx.pattern ?? '';
            const high = USER_CONTROLLABLE.some((u) => p === u || p.startsWith(`${u}.`));
            out.push(
              doc.finding(
                {
                  rule: 'unsound-contains',
                  severity: high ? 'high' : 'info',
                  confidence: 'high',
                  message: `contains(..) condition can be bypassed if attacker can control '${p}'`,
                  fix: { description: `compare exactly: ${p} == '…' || ${p} == '…'` },
                },
                doc.range(path, true),
              ),
            );
            return;
          }
        }
        for (const x of e.args) visit(x);
      } else if (e.kind === 'binary') {
        visit(e.left);
        visit(e.right);
      } else if (e.kind === 'not') visit(e.operand);
    };
    for (const e of exprs) visit(e);
  }
  return out;
}
