/**
 * Go modules from go.mod (go.dev/ref/mod#go-mod-file): `require` lines and blocks, with `replace`
 * directives applied (a replaced module is the replacement's path and version; a local-path replacement
 * is project code, not a component). `// indirect` requirements are still build dependencies.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft } from '../model.js';
import { golangPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';

function unquoteGo(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s.startsWith('`') ? s.slice(1, -1) : s;
}

interface Directives {
  module?: string;
  require: Array<{ path: string; version: string }>;
  replace: Map<string, { path: string; version?: string }>;
}

/** Parses the directives vouch needs from go.mod text. @throws INPUT_MALFORMED naming the line */
export function parseGoMod(source: string, path: string): Directives {
  const d: Directives = { require: [], replace: new Map() };
  let block: string | undefined;
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    if (block) {
      if (line === ')') {
        block = undefined;
        continue;
      }
      apply(block, line, i + 1);
      continue;
    }
    const m = /^(\w+)\s*(.*)$/.exec(line);
    if (!m?.[1])
      throw new VouchError('INPUT_MALFORMED', `${path}:${i + 1}: cannot read "${line.slice(0, 60)}"`);
    const verb = m[1];
    const rest = (m[2] ?? '').trim();
    if (rest === '(') block = verb;
    else apply(verb, rest, i + 1);
  }
  if (block) throw new VouchError('INPUT_MALFORMED', `${path}: unterminated "${block} (" block`);
  return d;

  function apply(verb: string, rest: string, line: number): void {
    const f = rest.split(/\s+/).map(unquoteGo);
    if (verb === 'module') d.module = f[0];
    else if (verb === 'require') {
      if (!f[0] || !f[1])
        throw new VouchError('INPUT_MALFORMED', `${path}:${line}: require needs a path and version`);
      d.require.push({ path: f[0], version: f[1] });
    } else if (verb === 'replace') {
      const arrow = f.indexOf('=>');
      const from = f[0];
      const to = f[arrow + 1];
      if (arrow < 1 || !from || !to)
        throw new VouchError('INPUT_MALFORMED', `${path}:${line}: replace needs "=>"`);
      const toVersion = f[arrow + 2];
      d.replace.set(from, { path: to, ...(toVersion ? { version: toVersion } : {}) });
    }
  }
}

export const goModCataloger: Cataloger = {
  name: 'go-module-file-cataloger',
  matches: (path) => baseName(path) === 'go.mod',
  catalog(input): CatalogResult {
    const d = parseGoMod(text(input.bytes), input.path);
    const out: ComponentDraft[] = [];
    for (const r of d.require) {
      const rep = d.replace.get(r.path);
      if (rep && (rep.path.startsWith('./') || rep.path.startsWith('../') || rep.path.startsWith('/')))
        continue;
      const path = rep?.path ?? r.path;
      const version = rep?.version ?? r.version;
      out.push({ name: path, version, purl: golangPurl(path, version) });
    }
    return { components: out, warnings: [] };
  },
};

/**
 * go.sum (go.dev/ref/mod#go-sum-files) lists every module whose content the build downloaded; a line
 * ending `/go.mod` only hashes a module's go.mod, read for version selection, and names no code used.
 */
export const goSumCataloger: Cataloger = {
  name: 'go-module-file-cataloger',
  matches: (path) => baseName(path) === 'go.sum',
  catalog(input): CatalogResult {
    const out: ComponentDraft[] = [];
    const lines = text(input.bytes).split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] ?? '').trim();
      if (line === '') continue;
      const [mod, version, hash] = line.split(/\s+/);
      if (!mod || !version || !hash?.startsWith('h1:')) {
        throw new VouchError(
          'INPUT_MALFORMED',
          `${input.path}:${i + 1}: expected "<module> <version> h1:<hash>"`,
        );
      }
      if (version.endsWith('/go.mod')) continue;
      out.push({ name: mod, version, purl: golangPurl(mod, version) });
    }
    return { components: out, warnings: [] };
  },
};
