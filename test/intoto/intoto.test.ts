import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VouchError } from '../../src/errors.js';
import {
  canonicalJson,
  checkItemRules,
  fnmatch,
  type Link,
  loadSigningKey,
  normpath,
  parseLayout,
  parseMetadata,
  parseRule,
  pythonJsonDumps,
  recordArtifacts,
  serializeMetadata,
  signMetadata,
  unsignedMetadata,
  verifyMetadataSignature,
} from '../../src/intoto/index.js';

test('canonical JSON is securesystemslib encode_canonical: sorted keys, no spaces, only " and \\ escaped', () => {
  // The vectors of encode_canonical's own docstring, and its string escaping.
  assert.equal(canonicalJson(''), '""');
  assert.equal(canonicalJson([1, 2, 3]), '[1,2,3]');
  assert.equal(canonicalJson([]), '[]');
  assert.equal(canonicalJson({ A: [99] }), '{"A":[99]}');
  assert.equal(canonicalJson({ y: 2, x: 3 }), '{"x":3,"y":2}');
  assert.equal(canonicalJson({ s: 'a"b\\c\nü' }), '{"s":"a\\"b\\\\c\nü"}');
  assert.throws(
    () => canonicalJson({ f: 1.5 }),
    (e: unknown) => e instanceof VouchError && e.code === 'INPUT_MALFORMED',
  );
  // Python sorts by code point; UTF-16 order would put U+1F600 before U+FF21.
  assert.equal(canonicalJson({ '\u{1F600}': 1, '\uFF21': 2 }), '{"\uFF21":2,"\u{1F600}":1}');
});

test("files are written as Python's json.dumps writes them: sorted keys, ASCII escapes, indent 1", () => {
  assert.equal(
    pythonJsonDumps({ b: [1, 'é'], a: {} }, { indent: 1 }),
    '{\n "a": {},\n "b": [\n  1,\n  "\\u00e9"\n ]\n}',
  );
  assert.equal(pythonJsonDumps({ b: 1, a: ['x', '\u{1F600}'] }), '{"a": ["x", "\\ud83d\\ude00"], "b": 1}');
});

test('artifact patterns are Python fnmatch: * crosses /, classes and negation, case-sensitive', () => {
  assert.equal(fnmatch('demo-project/foo.py', 'demo-project/*'), true);
  assert.equal(fnmatch('a/b/c.py', '*.py'), true);
  assert.equal(fnmatch('foo.PY', '*.py'), false);
  assert.equal(fnmatch('x1', 'x[0-9]'), true);
  assert.equal(fnmatch('xa', 'x[!0-9]'), true);
  assert.equal(fnmatch('x]', 'x[]]'), true);
  assert.equal(fnmatch('x[', 'x['), true);
  assert.equal(fnmatch('ab', 'a?'), true);
  assert.equal(fnmatch('a', 'a?'), false);
  // A hostile pattern answers without catastrophic backtracking.
  assert.equal(fnmatch(`${'a'.repeat(5000)}c`, '*a*a*a*a*a*a*a*a*a*a*b'), false);
});

test('paths are normalised as os.path.normpath does', () => {
  assert.equal(normpath('./demo-project/../demo-project/foo.py'), 'demo-project/foo.py');
  assert.equal(normpath('a//b/'), 'a/b');
  assert.equal(normpath('.'), '.');
  assert.equal(normpath('../x'), '../x');
  assert.equal(normpath('/a/../../b'), '/b');
});

test('rules are unpacked as rulelib.unpack_rule, and a malformed rule says the forms it accepts', () => {
  assert.deepEqual(
    parseRule(['match', 'foo', 'IN', 'src', 'WITH', 'products', 'IN', 'dst', 'FROM', 'build']),
    {
      type: 'match',
      pattern: 'foo',
      sourcePrefix: 'src',
      destType: 'products',
      destPrefix: 'dst',
      destName: 'build',
    },
  );
  assert.deepEqual(parseRule(['CREATE', 'x']), { type: 'create', pattern: 'x' });
  for (const bad of [
    ['CREATE'],
    ['CREATE', 'a', 'b'],
    ['COPY', 'x'],
    ['MATCH', 'x', 'WITH', 'SOURCES', 'FROM', 'y'],
    ['MATCH', 'x', 'FROM', 'y'],
  ]) {
    assert.throws(
      () => parseRule(bad),
      (e: unknown) =>
        e instanceof VouchError && e.code === 'INPUT_MALFORMED' && /MATCH <pattern>/.test(e.hint ?? ''),
    );
  }
});

function link(name: string, materials: Record<string, string>, products: Record<string, string>): Link {
  const m = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, { sha256: v }]));
  return {
    _type: 'link',
    name,
    materials: m(materials),
    products: m(products),
    byproducts: {},
    command: [],
    environment: {},
  };
}

function item(name: string, expected_materials: string[][], expected_products: string[][]) {
  return { name, expected_materials, expected_products };
}

test('each rule type consumes what it should, and DISALLOW/REQUIRE explain the failure with the queue', () => {
  const links = new Map([
    ['clone', link('clone', {}, { 'src/a.py': 'aa', 'src/b.py': 'bb' })],
    [
      'build',
      link(
        'build',
        { 'src/a.py': 'aa', 'src/b.py': 'b2', 'old.txt': 'oo', 'same.txt': 'ss' },
        { 'src/a.py': 'aa', 'src/b.py': 'b2', app: 'pp', 'same.txt': 's2' },
      ),
    ],
  ]);
  // MATCH consumes only artifacts with equal hashes; b.py differs, so DISALLOW then catches it.
  const m = checkItemRules(
    item(
      'build',
      [
        ['MATCH', 'src/*', 'WITH', 'PRODUCTS', 'FROM', 'clone'],
        ['ALLOW', '*.txt'],
        ['DISALLOW', '*'],
      ],
      [],
    ),
    'materials',
    links,
  );
  assert.equal(m?.rule.join(' '), 'DISALLOW *');
  assert.deepEqual(m?.artifacts, ['src/b.py']);
  assert.deepEqual(
    m?.trace.map((t) => t.queue),
    [['old.txt', 'same.txt', 'src/b.py'], ['src/b.py']],
  );
  // CREATE: products not among materials; MODIFY: in both with other hashes; DELETE: materials not among products.
  assert.equal(
    checkItemRules(
      item(
        'build',
        [
          ['DELETE', 'old.txt'],
          ['MODIFY', 'same.txt'],
          ['ALLOW', 'src/*'],
          ['DISALLOW', '*'],
        ],
        [
          ['CREATE', 'app'],
          ['MODIFY', 'same.txt'],
          ['ALLOW', 'src/*'],
          ['DISALLOW', '*'],
        ],
      ),
      'materials',
      links,
    ),
    undefined,
  );
  assert.equal(
    checkItemRules(
      item(
        'build',
        [],
        [
          ['CREATE', 'app'],
          ['MODIFY', 'same.txt'],
          ['ALLOW', 'src/*'],
          ['DISALLOW', '*'],
        ],
      ),
      'products',
      links,
    ),
    undefined,
  );
  const notCreated = checkItemRules(
    item(
      'build',
      [],
      [
        ['CREATE', 'src/a.py'],
        ['DISALLOW', 'src/a.py'],
      ],
    ),
    'products',
    links,
  );
  assert.deepEqual(
    notCreated?.artifacts,
    ['src/a.py'],
    'src/a.py existed before: CREATE must not consume it',
  );
  const required = checkItemRules(item('build', [], [['REQUIRE', 'missing.bin']]), 'products', links);
  assert.match(required?.message ?? '', /REQUIRE missing\.bin/);
  // MATCH with prefixes: strip the source prefix, add the destination prefix.
  const prefixed = new Map([
    ['a', link('a', {}, { 'out/x.py': '11' })],
    ['b', link('b', { 'in/x.py': '11' }, {})],
  ]);
  assert.equal(
    checkItemRules(
      item(
        'b',
        [
          ['MATCH', '*', 'IN', 'in', 'WITH', 'PRODUCTS', 'IN', 'out', 'FROM', 'a'],
          ['DISALLOW', '*'],
        ],
        [],
      ),
      'materials',
      prefixed,
    ),
    undefined,
  );
});

test('links and layouts sign and verify in both envelopes, with ed25519, ECDSA P-256/P-384 and RSA-PSS keys', () => {
  const keys = [
    generateKeyPairSync('ed25519'),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ].map((k, i) => loadSigningKey(k.privateKey.export({ type: 'pkcs8', format: 'pem' }), `key ${i}`));
  assert.deepEqual(
    keys.map((k) => k.public.scheme),
    ['ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'rsassa-pss-sha256'],
  );
  const signed = {
    _type: 'link',
    name: 'build',
    materials: {},
    products: { app: { sha256: 'ab' } },
    byproducts: {},
    command: ['make'],
    environment: {},
  };
  for (const format of ['metablock', 'dsse'] as const) {
    for (const key of keys) {
      const m = signMetadata(unsignedMetadata(signed, format, 'link'), key);
      const reread = parseMetadata(serializeMetadata(m), 'link');
      assert.equal(verifyMetadataSignature(reread, key.public), true, `${format} ${key.public.scheme}`);
      const other = keys.find((k) => k !== key);
      assert.ok(other);
      assert.equal(
        verifyMetadataSignature(reread, { ...other.public, keyid: key.public.keyid }),
        false,
        'a signature by another key fails',
      );
      // A tampered product hash breaks the signature.
      const text = serializeMetadata(m);
      const tampered = format === 'metablock' ? text.replace('"ab"', '"ac"') : text;
      if (format === 'metablock')
        assert.equal(verifyMetadataSignature(parseMetadata(tampered, 'link'), key.public), false);
    }
  }
});

test('hostile layouts are refused with every bad field named; names that are paths never reach the file system', () => {
  const base = { _type: 'layout', expires: '2030-01-01T00:00:00Z', readme: '', keys: {}, inspect: [] };
  assert.throws(
    () =>
      parseLayout(
        { ...base, steps: [{ _type: 'step', name: '../../etc/passwd', pubkeys: [], threshold: 1 }] },
        'root.layout',
      ),
    (e: unknown) => e instanceof VouchError && e.code === 'INPUT_MALFORMED' && /is a path/.test(e.message),
  );
  assert.throws(
    () =>
      parseLayout(
        {
          ...base,
          expires: 'soon',
          steps: [
            { _type: 'step', name: 'a', threshold: 0, pubkeys: ['zz'] },
            { _type: 'step', name: 'a' },
          ],
        },
        'root.layout',
      ),
    (e: unknown) => e instanceof VouchError && e.fields.length === 4,
  );
  assert.throws(
    () => parseMetadata('{"signed": {"_type": "layout"', 'x'),
    (e: unknown) => e instanceof VouchError && e.code === 'INPUT_MALFORMED',
  );
  assert.throws(
    () => parseMetadata('{"payload": "e30=", "payloadType": "text/plain", "signatures": []}', 'x'),
    /payloadType/,
  );
  assert.throws(
    () => parseMetadata(' '.repeat(64 * 1024 * 1024 + 1), 'x'),
    (e: unknown) => e instanceof VouchError && e.code === 'INPUT_TOO_LARGE',
  );
  // __proto__ as an artifact name is a name like any other.
  const m = parseMetadata(
    '{"signed": {"_type": "link", "name": "a", "materials": {"__proto__": {"sha256": "aa"}}, "products": {}}, "signatures": []}',
    'x',
  );
  assert.ok(m.payload.kind === 'link' && m.payload.link.materials.has('__proto__'));
});

test('recording follows the reference: default excludes, directories walked, symlink loops refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-intoto-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'src', '.git'), { recursive: true });
  await writeFile(join(dir, 'src', 'a.py'), 'print(1)\r\n');
  await writeFile(join(dir, 'src', 'a.pyc'), 'x');
  await writeFile(join(dir, 'src', 'build.abc12345.link'), '{}');
  await writeFile(join(dir, 'src', '.git', 'HEAD'), 'ref');
  const r = await recordArtifacts(['src', 'missing'], { basePath: dir });
  assert.deepEqual([...r.keys()], ['src/a.py']);
  const crlf = r.get('src/a.py')?.sha256;
  const lf = (await recordArtifacts(['src/a.py'], { basePath: dir, normalizeLineEndings: true })).get(
    'src/a.py',
  )?.sha256;
  assert.notEqual(crlf, lf);
  await writeFile(join(dir, 'lf.py'), 'print(1)\n');
  assert.equal(
    (await recordArtifacts(['lf.py'], { basePath: dir })).get('lf.py')?.sha256,
    lf,
    'CRLF normalised hashes as LF',
  );
  assert.deepEqual(
    [...(await recordArtifacts(['src'], { basePath: dir, lstripPaths: ['src/'] })).keys()],
    ['a.py'],
  );
  await symlink('..', join(dir, 'src', 'loop'));
  await assert.rejects(
    recordArtifacts(['src'], { basePath: dir }),
    (e: unknown) => e instanceof VouchError && e.code === 'UNSAFE_PATH',
  );
});
