import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractWithExtractors, type ImageExtractor } from '../../src/policy/index.js';
import { imageExtractor } from '../../src/policy/workload-images.js';

// Kyverno imageExtractors semantics: `path` segments with whole-segment `*` wildcards over lists and
// maps; without `value` the last segment names the image field; `key` names an entry; `jmesPath`
// transforms the extracted string.

const TASK = {
  apiVersion: 'tekton.dev/v1',
  kind: 'Task',
  metadata: { name: 'build' },
  spec: {
    steps: [
      { name: 'clone', image: 'ghcr.io/tekton/git-init:v0.40' },
      { name: 'build', image: 'ghcr.io/team/builder:1.2' },
    ],
    sidecars: [{ name: 'docker', image: 'docker:24-dind' }],
  },
};

const ex = (cfg: Parameters<typeof imageExtractor>[0]): ImageExtractor[] => [imageExtractor(cfg)];

test('a wildcard over a list finds every element’s image with a pointer to its field', () => {
  assert.deepEqual(
    extractWithExtractors(TASK, ex({ path: '/spec/steps/*/image' })).map((i) => [i.image, i.pointer]),
    [
      ['ghcr.io/tekton/git-init:v0.40', '/spec/steps/0/image'],
      ['ghcr.io/team/builder:1.2', '/spec/steps/1/image'],
    ],
  );
});

test('`value` names the image field of the object the path ends at', () => {
  assert.deepEqual(
    extractWithExtractors(TASK, ex({ path: '/spec/sidecars/*', value: 'image' })).map((i) => i.pointer),
    ['/spec/sidecars/0/image'],
  );
});

test('an entry is keyed by its pointer, or by the `key` field when one is named', () => {
  const byPointer = extractWithExtractors(TASK, ex({ path: '/spec/steps/*/image' }));
  assert.deepEqual(
    byPointer.map((i) => [i.key, i.name]),
    [
      ['/spec/steps/0/image', 'custom'],
      ['/spec/steps/1/image', 'custom'],
    ],
  );
  const byName = extractWithExtractors(
    TASK,
    ex({ path: '/spec/steps/*', value: 'image', key: 'name', name: 'steps' }),
  );
  assert.deepEqual(
    byName.map((i) => [i.key, i.name]),
    [
      ['clone', 'steps'],
      ['build', 'steps'],
    ],
  );
});

test('two entries with the same key keep the last one, as Kyverno’s map does', () => {
  const obj = {
    spec: {
      steps: [
        { n: 'a', image: 'one:1' },
        { n: 'a', image: 'two:2' },
      ],
    },
  };
  assert.deepEqual(
    extractWithExtractors(obj, ex({ path: '/spec/steps/*', value: 'image', key: 'n' })).map((i) => i.image),
    ['two:2'],
  );
});

test('nested wildcards walk lists inside lists and maps', () => {
  const obj = {
    spec: {
      stages: [
        { jobs: { lint: { image: 'lint:1' }, test: { image: 'test:1' } } },
        { jobs: { ship: { image: 'ship:1' } } },
      ],
    },
  };
  assert.deepEqual(
    extractWithExtractors(obj, ex({ path: '/spec/stages/*/jobs/*/image' })).map((i) => [i.image, i.pointer]),
    [
      ['lint:1', '/spec/stages/0/jobs/lint/image'],
      ['test:1', '/spec/stages/0/jobs/test/image'],
      ['ship:1', '/spec/stages/1/jobs/ship/image'],
    ],
  );
});

test('map keys with / and ~ are escaped in the pointer (RFC 6901)', () => {
  const obj = { spec: { images: { 'a/b~c': { image: 'x:1' } } } };
  assert.deepEqual(
    extractWithExtractors(obj, ex({ path: '/spec/images/*/image' })).map((i) => i.pointer),
    ['/spec/images/a~1b~0c/image'],
  );
});

test('jmesPath transforms the extracted string; the pointer still names the field read', () => {
  const obj = { spec: { tool: { ref: 'ghcr.io/team/tool:1.0' } } };
  const found = extractWithExtractors(
    obj,
    ex({ path: '/spec/tool/ref', jmesPath: "join('', [@, '-debug'])" }),
  );
  assert.deepEqual(
    found.map((i) => [i.image, i.pointer]),
    [['ghcr.io/team/tool:1.0-debug', '/spec/tool/ref']],
  );
});

test('a jmesPath that does not produce a string is INPUT_MALFORMED', () => {
  const obj = { spec: { tool: { ref: 'ghcr.io/team/tool:1.0' } } };
  assert.throws(() => extractWithExtractors(obj, ex({ path: '/spec/tool/ref', jmesPath: 'length(@)' })), {
    code: 'INPUT_MALFORMED',
    message: /must produce a string/,
  });
});

test('a path the object does not have finds no images', () => {
  assert.deepEqual(extractWithExtractors(TASK, ex({ path: '/spec/tasks/*/image' })), []);
  assert.deepEqual(extractWithExtractors({}, ex({ path: '/spec/steps/*/image' })), []);
  assert.deepEqual(extractWithExtractors(null, ex({ path: '/spec/steps/*/image' })), []);
});

test('a missing, empty or non-string image value is no image (skipped, as Kyverno skips it)', () => {
  const obj = { spec: { steps: [{ image: 42 }, { image: '  ' }, { image: null }, {}, { image: { x: 1 } }] } };
  assert.deepEqual(extractWithExtractors(obj, ex({ path: '/spec/steps/*/image' })), []);
});

test('a wildcard over a scalar, or a named field of a non-object, is INPUT_MALFORMED naming where', () => {
  assert.throws(
    () => extractWithExtractors({ spec: { steps: 'nginx' } }, ex({ path: '/spec/steps/*/image' })),
    {
      code: 'INPUT_MALFORMED',
      message: /wildcard over a scalar at "\/spec\/steps"/,
    },
  );
  assert.throws(() => extractWithExtractors({ spec: { steps: [7] } }, ex({ path: '/spec/steps/*/image' })), {
    code: 'INPUT_MALFORMED',
    message: /expected an object at "\/spec\/steps\/0"/,
  });
});

test('a key field that is not a string is INPUT_MALFORMED', () => {
  const obj = { spec: { steps: [{ name: 3, image: 'a:1' }] } };
  assert.throws(
    () => extractWithExtractors(obj, ex({ path: '/spec/steps/*', value: 'image', key: 'name' })),
    {
      code: 'INPUT_MALFORMED',
      message: /key field "name"/,
    },
  );
});

test('hostile: a 10,000-element list yields 10,000 images with distinct pointers', () => {
  const steps = Array.from({ length: 10_000 }, (_, i) => ({ image: `ghcr.io/team/s${i}:1` }));
  const found = extractWithExtractors({ spec: { steps } }, ex({ path: '/spec/steps/*/image' }));
  assert.equal(found.length, 10_000);
  assert.equal(new Set(found.map((i) => i.pointer)).size, 10_000);
  assert.equal(found[9_999]?.pointer, '/spec/steps/9999/image');
});

test('hostile: a deeply nested object is walked only as deep as the path, without recursion', () => {
  let deep: unknown = { image: 'bottom:1' };
  for (let i = 0; i < 50_000; i++) deep = { a: deep };
  const obj = { spec: deep };
  assert.deepEqual(extractWithExtractors(obj, ex({ path: '/spec/a/a/*', value: 'image' })), []);
  // A wildcard path that matches all the way down still works at the depth the path names.
  const shallow = { spec: { a: { a: { x: { image: 'found:1' } } } } };
  assert.deepEqual(
    extractWithExtractors(shallow, ex({ path: '/spec/a/a/*/image' })).map((i) => i.image),
    ['found:1'],
  );
});

test('hostile: an object where a path names an inherited property finds nothing', () => {
  assert.deepEqual(extractWithExtractors({ spec: {} }, ex({ path: '/spec/constructor/name' })), []);
  assert.deepEqual(extractWithExtractors({ spec: {} }, ex({ path: '/spec/__proto__/image' })), []);
});
