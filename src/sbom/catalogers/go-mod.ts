/**
 * Go modules from go.mod (go.dev/ref/mod#go-mod-file): `require` lines and blocks, with `replace`
 * directives applied (a replaced module is the replacement's path and version; a local-path replacement
 * is project code, not a component). `// indirect` requirements are still build dependencies.
 */
import { VouchError } from '../../errors.js';
import type { ComponentDraft } from '../model.js';
import { golangPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, dirName, text } from './cataloger.js';

function goModBeside(goSum: string): string {
  const dir = dirName(goSum);
  return dir === '' ? 'go.mod' : `${dir}/go.mod`;
}

function unquoteGo(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s.startsWith('`') ? s.slice(1, -1) : s;
}

interface Replacement {
  path: string;
  version?: string;
}

interface Directives {
  module?: string;
  /** The `go` directive's language version (`1.21`, `1.22.3`). */
  go?: string;
  /** The `toolchain` directive (`go1.22.5`): the minimum toolchain, so the stdlib actually compiled in. */
  toolchain?: string;
  require: Array<{ path: string; version: string }>;
  /** `replace old => new` applies to every version of `old`. */
  replace: Map<string, Replacement>;
  /** `replace old v1.2.3 => new`: only that version of `old` (go.dev/ref/mod#go-mod-file-replace). */
  replaceVersion: Map<string, Replacement>;
}

/** Parses the directives vouch needs from go.mod text. @throws INPUT_MALFORMED naming the line */
export function parseGoMod(source: string, path: string): Directives {
  const d: Directives = { require: [], replace: new Map(), replaceVersion: new Map() };
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
    else if (verb === 'go' && f[0]) d.go = f[0];
    else if (verb === 'toolchain' && f[0]) d.toolchain = f[0];
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
      const rep = { path: to, ...(toVersion ? { version: toVersion } : {}) };
      if (arrow === 2 && f[1]) d.replaceVersion.set(`${from}@${f[1]}`, rep);
      else d.replace.set(from, rep);
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
      const rep = d.replaceVersion.get(`${r.path}@${r.version}`) ?? d.replace.get(r.path);
      if (rep && (rep.path.startsWith('./') || rep.path.startsWith('../') || rep.path.startsWith('/')))
        continue;
      const path = rep?.path ?? r.path;
      const version = rep?.version ?? r.version;
      out.push({ name: path, version, purl: golangPurl(path, version) });
    }
    const std = stdlibVersion(d);
    if (std) out.push(stdlibComponent(std));
    return { components: out, warnings: [] };
  },
};

/**
 * The Go release whose standard library the module builds with: the `toolchain` directive when present
 * (the minimum toolchain), else the `go` directive. Before Go 1.21 the `go` line is a language version
 * (`1.19`), which still names the release series the stdlib advisories are written against.
 */
function stdlibVersion(d: Directives): string | undefined {
  const t = d.toolchain ? /^go(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)/.exec(d.toolchain)?.[1] : undefined;
  if (t) return t;
  return d.go && /^\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?$/.test(d.go) ? d.go : undefined;
}

/**
 * The standard library as a component (`stdlib`, as syft, grype and OSV name it): version without the
 * `go` prefix, purl version with Go's module-style `v` prefix. Shared with the binary cataloger.
 */
export function stdlibComponent(version: string): ComponentDraft {
  const v = version.replace(/^go/, '');
  // A purl golang version with a `v` must be full semver: `1.19` -> `v1.19.0`, `1.21rc2` -> `v1.21.0-rc.2`.
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?$/.exec(v);
  const semver = m ? `v${m[1]}.${m[2]}.${m[3] ?? '0'}${m[4] ? `-${m[4]}.${m[5]}` : ''}` : `v${v}`;
  return { name: 'stdlib', version: v, purl: golangPurl('stdlib', semver) };
}

/** The `go` directive's version as [major, minor], when the text is one. */
function goMinor(source: string): [number, number] | undefined {
  const m = /^go\s+(\d+)\.(\d+)/m.exec(source);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * go.sum (go.dev/ref/mod#go-sum-files) lists every module whose content the build downloaded; a line
 * ending `/go.mod` only hashes a module's go.mod, read for version selection, and names no code used.
 */
export const goSumCataloger: Cataloger = {
  name: 'go-module-file-cataloger',
  matches: (path) => baseName(path) === 'go.sum',
  // Empty by design for go >= 1.17 (see below); go.mod then speaks for the module.
  quietWhenEmpty: true,
  companionNames: ['go.mod'],
  wants: (input) => [goModBeside(input.path)],
  catalog(input, ctx): CatalogResult {
    // From go 1.17 on, go.mod lists every module the build needs (module graph pruning,
    // go.dev/ref/mod#graph-pruning); go.sum then adds only versions read for selection and never built,
    // so it is not read at all (and a damaged go.sum cannot fail the scan).
    const mod = ctx.companion?.(goModBeside(input.path));
    const v = mod ? goMinor(text(mod)) : undefined;
    if (v && (v[0] > 1 || v[1] >= 17)) return { components: [], warnings: [] };
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
