// The import graph of src/ and the layer rules of docs/architecture.md, checked on it. Imports are read
// with the TypeScript compiler's own parser (ts.createSourceFile), so every form counts: `import`,
// `import type`, `export … from` and `import('…')` with a literal specifier.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** One import of one module: `from` and `to` are paths relative to src/ (`to` is `node:x` for node). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

/** The layers, bottom first; an area may import only areas of lower layers (and itself). */
export interface Architecture {
  readonly layers: readonly (readonly string[])[];
  /** Areas that must stay pure: no node I/O modules, and imports only of other pure areas. */
  readonly pure: readonly string[];
  /** node: modules that do I/O or hold process-wide resources (imported as `node:x` or `node:x/y`). */
  readonly ioModules: readonly string[];
}

export type Rule =
  | 'upward'
  | 'same-layer'
  | 'not-via-index'
  | 'io-in-pure'
  | 'impure-import'
  | 'unknown-area';

/** One broken rule, written as `rule from -> to` so an allowlist can name it exactly. */
export interface Violation {
  readonly rule: Rule;
  readonly from: string;
  readonly to: string;
}

export function violationKey(v: Violation): string {
  return `${v.rule} ${v.from} -> ${v.to}`;
}

/** The module specifiers `text` imports or re-exports, as the TypeScript parser sees them. */
export function importsOf(fileName: string, text: string): { specifier: string; typeOnly: boolean }[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length === 1
    ) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg))
        out.push({ specifier: arg.text, typeOnly: false });
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) {
        out.push({ specifier: arg.literal.text, typeOnly: true });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every .ts file under `dir`, keyed by its path relative to `dir` with `/` separators. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts'))
        files.set(relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/**
 * The edges among `files` (path → text). Relative specifiers are resolved to the .ts file they name
 * (NodeNext spells them `.js`); `node:` modules are kept as they are; packages are left out.
 */
export function importEdges(files: ReadonlyMap<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, text] of files) {
    for (const { specifier, typeOnly } of importsOf(from, text)) {
      if (specifier.startsWith('node:')) {
        edges.push({ from, to: specifier, typeOnly });
      } else if (specifier.startsWith('.')) {
        let to = posix.normalize(posix.join(posix.dirname(from), specifier));
        if (to.endsWith('.js')) to = `${to.slice(0, -3)}.ts`;
        else if (!to.endsWith('.ts') && !to.endsWith('.json')) to = `${to}/index.ts`;
        edges.push({ from, to, typeOnly });
      }
    }
  }
  return edges;
}

/**
 * The area of a path relative to src/: its first folder; `library` for src/index.ts (the package's
 * public API); `ground` for the other files at the top (errors, limits, version, digest).
 */
export function areaOf(path: string): string {
  const slash = path.indexOf('/');
  if (slash >= 0) return path.slice(0, slash);
  return path === 'index.ts' ? 'library' : 'ground';
}

/** Every broken layer rule among `edges`, sorted. */
export function violations(edges: readonly ImportEdge[], arch: Architecture): Violation[] {
  const layerOf = new Map<string, number>();
  arch.layers.forEach((areas, i) => {
    for (const a of areas) layerOf.set(a, i);
  });
  const pure = new Set(arch.pure);
  const out: Violation[] = [];
  const seen = new Set<string>();
  const add = (v: Violation): void => {
    const k = violationKey(v);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  };
  for (const e of edges) {
    const fromArea = areaOf(e.from);
    const fromLayer = layerOf.get(fromArea);
    if (fromLayer === undefined) {
      add({ rule: 'unknown-area', from: e.from, to: fromArea });
      continue;
    }
    if (e.to.startsWith('node:')) {
      const mod = e.to.slice('node:'.length).split('/')[0] ?? '';
      if (pure.has(fromArea) && arch.ioModules.includes(mod))
        add({ rule: 'io-in-pure', from: e.from, to: e.to });
      continue;
    }
    const toArea = areaOf(e.to);
    if (toArea === fromArea) continue;
    const toLayer = layerOf.get(toArea);
    if (toLayer === undefined) {
      add({ rule: 'unknown-area', from: e.from, to: e.to });
      continue;
    }
    if (toLayer > fromLayer) add({ rule: 'upward', from: e.from, to: e.to });
    else if (toLayer === fromLayer) add({ rule: 'same-layer', from: e.from, to: e.to });
    if (toArea !== 'ground' && e.to !== `${toArea}/index.ts`)
      add({ rule: 'not-via-index', from: e.from, to: e.to });
    if (pure.has(fromArea) && toArea !== 'ground' && !pure.has(toArea)) {
      add({ rule: 'impure-import', from: e.from, to: e.to });
    }
  }
  return out.sort((a, b) => violationKey(a).localeCompare(violationKey(b)));
}

/** The strongly connected components with more than one node (Tarjan), each sorted, sorted. */
export function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      const wIndex = index.get(w);
      if (wIndex === undefined) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, wIndex));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (;;) {
        const w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
        if (w === v) break;
      }
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found.sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

/** The graph of modules (node modules left out). */
export function moduleGraph(edges: readonly ImportEdge[]): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!g.has(e.from)) g.set(e.from, new Set());
    if (e.to.startsWith('node:')) continue;
    g.get(e.from)?.add(e.to);
    if (!g.has(e.to)) g.set(e.to, new Set());
  }
  return g;
}

/** The graph of areas: an arrow for every import from one area into another. */
export function areaGraph(edges: readonly ImportEdge[]): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const e of edges) {
    const a = areaOf(e.from);
    if (!g.has(a)) g.set(a, new Set());
    if (e.to.startsWith('node:')) continue;
    const b = areaOf(e.to);
    if (!g.has(b)) g.set(b, new Set());
    if (a !== b) g.get(a)?.add(b);
  }
  return g;
}

/** Counts for docs/architecture.md: cross-area imports (ground left out) and how many use index.ts. */
export function summary(edges: readonly ImportEdge[]): {
  readonly crossArea: number;
  readonly viaIndex: number;
  readonly arrows: ReadonlyMap<string, number>;
} {
  let crossArea = 0;
  let viaIndex = 0;
  const arrows = new Map<string, number>();
  for (const e of edges) {
    if (e.to.startsWith('node:')) continue;
    const a = areaOf(e.from);
    const b = areaOf(e.to);
    if (a === b || b === 'ground') continue;
    crossArea++;
    if (e.to === `${b}/index.ts`) viaIndex++;
    const k = `${a} -> ${b}`;
    arrows.set(k, (arrows.get(k) ?? 0) + 1);
  }
  return { crossArea, viaIndex, arrows: new Map([...arrows].sort(([x], [y]) => x.localeCompare(y))) };
}
