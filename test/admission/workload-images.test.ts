import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractImages, WORKLOAD_KINDS } from '../../src/admission/index.js';
import { loadWorkload } from '../support/admission.js';

const POINTERS: Array<[string, string]> = [
  ['pod.json', '/spec/containers/0/image'],
  ['deployment.json', '/spec/template/spec/containers/0/image'],
  ['statefulset.json', '/spec/template/spec/containers/0/image'],
  ['daemonset.json', '/spec/template/spec/containers/0/image'],
  ['replicaset.json', '/spec/template/spec/containers/0/image'],
  ['replicationcontroller.json', '/spec/template/spec/containers/0/image'],
  ['job.json', '/spec/template/spec/containers/0/image'],
  ['cronjob.json', '/spec/jobTemplate/spec/template/spec/containers/0/image'],
];

for (const [file, pointer] of POINTERS) {
  test(`the image of a ${file.replace('.json', '')} is found at ${pointer}`, () => {
    const obj = loadWorkload(file);
    const images = extractImages(String(obj.kind), obj);
    assert.deepEqual(
      images.map((i) => [i.image, i.pointer]),
      [['registry.example.com/team/app:1.0.0', pointer]],
    );
  });
}

test('every workload kind vouch checks has a fixture', () => {
  const kinds = POINTERS.map(([f]) => String(loadWorkload(f).kind)).sort();
  assert.deepEqual(kinds, [...WORKLOAD_KINDS].sort());
});

test('regular, init and ephemeral containers are all checked', () => {
  const obj = loadWorkload('pod-all-containers.json');
  const images = extractImages('Pod', obj);
  assert.deepEqual(
    images.map((i) => [i.list, i.container, i.image, i.pointer]),
    [
      ['containers', 'web', 'registry.example.com/team/app:1.0.0', '/spec/containers/0/image'],
      ['containers', 'sidecar', 'registry.example.com/team/proxy:3.0', '/spec/containers/1/image'],
      ['initContainers', 'init', 'registry.example.com/team/init:2.1', '/spec/initContainers/0/image'],
      ['ephemeralContainers', 'debugger-x7k2p', 'busybox:1.36', '/spec/ephemeralContainers/0/image'],
    ],
  );
});

test('a kind without a pod spec has no images', () => {
  assert.deepEqual(extractImages('ConfigMap', { kind: 'ConfigMap', data: { a: 'b' } }), []);
});

test('a container without a string image is reported with an empty image, not skipped', () => {
  const images = extractImages('Pod', { spec: { containers: [{ name: 'x', image: 42 }] } });
  assert.deepEqual(images, [
    { image: '', pointer: '/spec/containers/0/image', list: 'containers', container: 'x' },
  ]);
});

test('a pod spec of the wrong shape yields no images and no crash', () => {
  assert.deepEqual(extractImages('Pod', { spec: 'nope' }), []);
  assert.deepEqual(extractImages('Deployment', { spec: { template: [] } }), []);
  assert.deepEqual(extractImages('Pod', { spec: { containers: 'x' } }), []);
});
