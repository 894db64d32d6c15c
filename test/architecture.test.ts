// The layers of docs/architecture.md, enforced on every import of src/ (read with the TypeScript parser).
// Imports that broke the rules when they were written are listed, exactly, in
// test/support/architecture-allowlist.ts; that list may only shrink (see "The ratchet" in the doc).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ARCHITECTURE, NEW_AREAS, TEMPORARY_SHIMS } from './support/architecture.js';
import {
  KNOWN_AREA_CYCLES,
  KNOWN_MODULE_CYCLES,
  KNOWN_VIOLATIONS,
} from './support/architecture-allowlist.js';
import {
  type Architecture,
  areaGraph,
  areaOf,
  cycles,
  type ImportEdge,
  importEdges,
  importsOf,
  moduleGraph,
  readTree,
  violationKey,
  violations,
} from './support/import-graph.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const files = readTree(SRC);
const edges = importEdges(files);

function difference(a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b);
  return a.filter((x) => !other.has(x));
}

describe('the layers of src/', () => {
  test('docs/architecture.md lists the layers this test checks', () => {
    const doc = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8');
    const block = /```layers\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block !== undefined, 'docs/architecture.md has no ```layers block');
    const documented = block
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .reverse()
      .map(([n, ...areas], i) => {
        assert.equal(n, String(i + 1), `layer numbers in docs/architecture.md count up from 1 at the bottom`);
        return areas;
      });
    assert.deepEqual(documented, ARCHITECTURE.layers);
  });

  test('every folder of src/ is an area on a layer', () => {
    const placed = new Set(ARCHITECTURE.layers.flat());
    const areas = new Set([...files.keys()].map(areaOf));
    assert.deepEqual(
      [...areas].filter((a) => !placed.has(a)),
      [],
      'place new areas in docs/architecture.md and test/support/architecture.ts',
    );
  });

  test('no import breaks a layer rule unless it is on the allowlist', () => {
    const found = violations(edges, ARCHITECTURE).map(violationKey);
    assert.deepEqual(
      difference(found, KNOWN_VIOLATIONS),
      [],
      'these imports break a rule of docs/architecture.md: import the area index.ts or move the code',
    );
  });

  test('every allowlisted violation still happens (the list only shrinks)', () => {
    const found = violations(edges, ARCHITECTURE).map(violationKey);
    assert.deepEqual(
      difference(KNOWN_VIOLATIONS, found),
      [],
      'these were fixed: delete them from test/support/architecture-allowlist.ts',
    );
  });

  test('areas created after the rules have no allowance', () => {
    const fromNewAreas = KNOWN_VIOLATIONS.filter((v) => {
      const from = v.split(' ')[1] ?? '';
      return NEW_AREAS.includes(areaOf(from));
    });
    assert.deepEqual(fromNewAreas, []);
    for (const c of KNOWN_AREA_CYCLES) for (const a of c.split(' ')) assert.ok(!NEW_AREAS.includes(a), c);
  });

  for (const [what, graph, known] of [
    ['areas', areaGraph(edges), KNOWN_AREA_CYCLES],
    ['modules', moduleGraph(edges), KNOWN_MODULE_CYCLES],
  ] as const) {
    test(`no cycle between ${what} unless it is on the allowlist, and every listed one still exists`, () => {
      const found = cycles(graph).map((c) => c.join(' '));
      assert.deepEqual(difference(found, known), [], `${what} that import each other`);
      assert.deepEqual(difference(known, found), [], 'cycles that are gone: delete them from the list');
    });
  }

  test('temporary re-export modules only re-export and are still imported', () => {
    for (const shim of TEMPORARY_SHIMS) {
      assert.ok(existsSync(`${SRC}/${shim}`), `${shim} is listed as a shim but does not exist`);
      const text = files.get(shim) ?? '';
      const code = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      assert.match(code, /^\s*(export \* from '[^']+';\s*)+$/, `${shim} holds more than re-exports`);
      const importers = edges.filter((e) => e.to === shim).map((e) => e.from);
      assert.notDeepEqual(importers, [], `nothing imports ${shim} any more: delete it and its list entry`);
    }
  });
});

describe('the checker itself', () => {
  const arch: Architecture = {
    layers: [['ground'], ['low', 'side'], ['high'], ['library']],
    pure: ['ground', 'low'],
    ioModules: ['fs', 'http'],
  };
  const edge = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false });
  const keys = (es: ImportEdge[]): string[] => violations(es, arch).map(violationKey);

  test('an arrow down through an index.ts, and imports inside an area, are allowed', () => {
    assert.deepEqual(
      keys([
        edge('high/a.ts', 'low/index.ts'),
        edge('high/a.ts', 'errors.ts'),
        edge('low/x/y.ts', 'low/z.ts'),
        edge('low/z.ts', 'node:crypto'),
        edge('index.ts', 'high/index.ts'),
      ]),
      [],
    );
  });

  test('an upward arrow is caught', () => {
    assert.deepEqual(keys([edge('low/a.ts', 'high/index.ts')]), [
      'impure-import low/a.ts -> high/index.ts',
      'upward low/a.ts -> high/index.ts',
    ]);
  });

  test('an arrow between areas of one layer is caught', () => {
    assert.deepEqual(keys([edge('side/a.ts', 'low/index.ts')]), ['same-layer side/a.ts -> low/index.ts']);
  });

  test('reaching past an area index.ts is caught, also into a nested index.ts', () => {
    assert.deepEqual(keys([edge('high/a.ts', 'low/b.ts'), edge('high/a.ts', 'low/sub/index.ts')]), [
      'not-via-index high/a.ts -> low/b.ts',
      'not-via-index high/a.ts -> low/sub/index.ts',
    ]);
  });

  test('I/O in a pure area is caught, with or without a subpath', () => {
    assert.deepEqual(keys([edge('low/a.ts', 'node:fs/promises'), edge('low/a.ts', 'node:http')]), [
      'io-in-pure low/a.ts -> node:fs/promises',
      'io-in-pure low/a.ts -> node:http',
    ]);
    assert.deepEqual(keys([edge('high/a.ts', 'node:fs/promises')]), []);
  });

  test('a pure area importing an impure one is caught', () => {
    assert.deepEqual(keys([edge('low/a.ts', 'side/index.ts')]), [
      'impure-import low/a.ts -> side/index.ts',
      'same-layer low/a.ts -> side/index.ts',
    ]);
  });

  test('an area on no layer is caught', () => {
    assert.deepEqual(keys([edge('nowhere/a.ts', 'low/index.ts'), edge('high/a.ts', 'nowhere/index.ts')]), [
      'unknown-area high/a.ts -> nowhere/index.ts',
      'unknown-area nowhere/a.ts -> nowhere',
    ]);
  });

  test('cycles between areas and between modules are found, with every member', () => {
    const es = [
      edge('high/a.ts', 'low/index.ts'),
      edge('low/index.ts', 'low/b.ts'),
      edge('low/b.ts', 'high/index.ts'),
      edge('high/index.ts', 'high/a.ts'),
      edge('side/c.ts', 'low/index.ts'),
    ];
    assert.deepEqual(cycles(areaGraph(es)), [['high', 'low']]);
    assert.deepEqual(cycles(moduleGraph(es)), [['high/a.ts', 'high/index.ts', 'low/b.ts', 'low/index.ts']]);
    assert.deepEqual(cycles(areaGraph([edge('high/a.ts', 'low/index.ts')])), []);
  });

  test('every form of import is read, type-only ones included', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from '../b/index.js';",
      "export { c } from './c.js';",
      "export * from './d/index.js';",
      "import './side-effect.js';",
      "const e = await import('./e.js');",
      "type F = import('./f.js').F;",
      "import { readFile } from 'node:fs/promises';",
      "import ts from 'typescript';",
      'const s = "import x from \'./not-an-import.js\'";',
    ].join('\n');
    assert.deepEqual(
      importsOf('x/m.ts', text).map((i) => `${i.typeOnly ? 'type ' : ''}${i.specifier}`),
      [
        './a.js',
        'type ../b/index.js',
        './c.js',
        './d/index.js',
        './side-effect.js',
        './e.js',
        'type ./f.js',
        'node:fs/promises',
        'typescript',
      ],
    );
    assert.deepEqual(
      importEdges(new Map([['x/m.ts', text]])).map((e) => e.to),
      [
        'x/a.ts',
        'b/index.ts',
        'x/c.ts',
        'x/d/index.ts',
        'x/side-effect.ts',
        'x/e.ts',
        'x/f.ts',
        'node:fs/promises',
      ],
    );
  });

  test('the real tree is read: src/ has modules and imports between areas', () => {
    assert.ok(files.size > 100);
    assert.ok(edges.some((e) => areaOf(e.from) === 'cli' && areaOf(e.to) === 'oci'));
  });
});
