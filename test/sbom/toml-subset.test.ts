import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseToml } from '../../src/sbom/toml-subset.js';

test('tables, arrays of tables, dotted and quoted keys nest as TOML 1.0 says', () => {
  const t = parseToml(
    'version = 4\n[[package]]\nname = "a"\n[package.dependencies]\n"b.c" = ">=1"\n[[package]]\nname = \'d\'\nx.y = 1\n',
    'f.toml',
  );
  assert.deepEqual(JSON.parse(JSON.stringify(t)), {
    version: 4,
    package: [
      { name: 'a', dependencies: { 'b.c': '>=1' } },
      { name: 'd', x: { y: 1 } },
    ],
  });
});

test('strings: escapes, literal, multi-line basic with line-ending backslash, multi-line literal', () => {
  const t = parseToml(
    'a = "x\\ty\\u00e9"\nb = \'c:\\\\raw\'\nc = """\none \\\n  two"""\nd = \'\'\'\nkeep \\n\'\'\'\n',
    'f.toml',
  );
  assert.deepEqual(JSON.parse(JSON.stringify(t)), {
    a: 'x\tyé',
    b: 'c:\\\\raw',
    c: 'one two',
    d: 'keep \\n',
  });
});

test('arrays span lines with trailing commas and comments; inline tables nest', () => {
  const t = parseToml(
    'deps = [\n  { name = "x", v = [1, 2,] }, # c\n  "y",\n]\nok = true\nf = 1.5e3\nd = 2024-05-20T21:33:25.928Z\n',
    'f.toml',
  );
  assert.deepEqual(JSON.parse(JSON.stringify(t)), {
    deps: [{ name: 'x', v: [1, 2] }, 'y'],
    ok: true,
    f: 1500,
    d: '2024-05-20T21:33:25.928Z',
  });
});

test('a duplicate key is INPUT_MALFORMED naming the line', () => {
  assert.throws(
    () => parseToml('a = 1\n\na = 2\n', 'x/uv.lock'),
    (e: unknown) => /x\/uv\.lock:3:/.test(String(e)) && (e as { code?: string }).code === 'INPUT_MALFORMED',
  );
});

test('__proto__ keys are refused rather than polluting prototypes', () => {
  assert.throws(() => parseToml('[__proto__]\npolluted = true\n', 'f.toml'), { code: 'INPUT_MALFORMED' });
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('nesting deeper than the cap is INPUT_MALFORMED, not a stack overflow', () => {
  assert.throws(() => parseToml(`a = ${'['.repeat(10_000)}`, 'f.toml'), { code: 'INPUT_MALFORMED' });
});

test('unterminated strings and arrays are INPUT_MALFORMED', () => {
  for (const bad of ['a = "x\n', 'a = [1, 2\n', 'a = """never', 'a = {x = 1', '[t\n', 'a = nope']) {
    assert.throws(() => parseToml(bad, 'f.toml'), { code: 'INPUT_MALFORMED' }, bad);
  }
});

test('the rest of TOML 1.0 scalars are read: hex/octal/binary integers, inf/nan, local times', () => {
  const t = parseToml('a = 0xDEAD\nb = 0o17\nc = 0b101\nd = -inf\ne = 07:32:00\n', 'x.toml');
  assert.deepEqual(
    [t['a'], t['b'], t['c'], t['d'], t['e']],
    [0xdead, 15, 5, Number.NEGATIVE_INFINITY, '07:32:00'],
  );
});
