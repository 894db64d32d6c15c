import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { extractImages, resourceContext } from '../../src/policy/index.js';
import { fixture } from './evidence-factory.js';

test('a Pod lists init, regular and ephemeral containers with JSON pointers to their image fields', () => {
  const pod = parse(fixture('workloads/pod-three-containers.yaml'));
  assert.deepEqual(
    extractImages(pod).map((i) => [i.container, i.pointer]),
    [
      ['migrate', '/spec/initContainers/0/image'],
      ['app', '/spec/containers/0/image'],
      ['sidecar', '/spec/containers/1/image'],
    ],
  );
});

test('a CronJob keeps its pod spec under the job template', () => {
  const cj = parse(fixture('workloads/cronjob.yaml'));
  assert.deepEqual(
    extractImages(cj).map((i) => i.pointer),
    [
      '/spec/jobTemplate/spec/template/spec/containers/0/image',
      '/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/image',
    ],
  );
});

for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']) {
  test(`a ${kind} keeps its pod spec under spec.template`, () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name: 'x' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    assert.deepEqual(extractImages(obj), [
      {
        image: 'nginx',
        container: 'c',
        containerType: 'containers',
        pointer: '/spec/template/spec/containers/0/image',
      },
    ]);
  });
}

test('a kind without a pod template is UNSUPPORTED, not silently empty', () => {
  assert.throws(() => extractImages({ apiVersion: 'v1', kind: 'ConfigMap' }), { code: 'UNSUPPORTED' });
});

test('a container without an image is INPUT_MALFORMED', () => {
  assert.throws(() => extractImages({ kind: 'Pod', spec: { containers: [{ name: 'a' }] } }), {
    code: 'INPUT_MALFORMED',
  });
  assert.throws(() => extractImages({ kind: 'Pod', spec: { containers: 'nginx' } }), {
    code: 'INPUT_MALFORMED',
  });
});

test('resource context takes labels and namespace from metadata, namespace labels from the caller', () => {
  const ctx = resourceContext(parse(fixture('workloads/pod-three-containers.yaml')), {
    namespaceLabels: { env: 'prod' },
  });
  assert.equal(ctx.namespace, 'prod');
  assert.deepEqual(ctx.labels, { app: 'web' });
  assert.deepEqual(ctx.namespaceLabels, { env: 'prod' });
});
