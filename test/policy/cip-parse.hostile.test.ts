import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPolicies, readPolicies } from '../../src/policy/index.js';
import { VouchError } from '../../src/errors.js';

const HEAD =
  'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata:\n  name: p\nspec:\n';

function refused(spec: string): VouchError {
  try {
    loadPolicies(HEAD + spec, 'cip.yaml');
  } catch (e) {
    assert.ok(e instanceof VouchError);
    assert.equal(e.code, 'POLICY_INVALID');
    return e;
  }
  assert.fail('policy was accepted');
}

// One row per invalid shape policy-controller's webhook refuses (its test/testdata/policy-controller/invalid
// categories), written here from scratch; each must be refused naming the field.
const INVALID: [what: string, spec: string, field: string, message: RegExp][] = [
  ['no images', '  authorities: [{ static: { action: pass } }]\n', 'spec.images', /missing field/],
  [
    'a glob with regexp syntax',
    '  images: [{ glob: "[a-z]+" }]\n  authorities: [{ static: { action: pass } }]\n',
    'spec.images[0].glob',
    /invalid glob/,
  ],
  ['no authorities', '  images: [{ glob: "**" }]\n', 'spec.authorities', /missing field/],
  [
    'an authority with neither key nor keyless',
    '  images: [{ glob: "**" }]\n  authorities: [{ name: x }]\n',
    'spec.authorities[0]',
    /got neither/,
  ],
  [
    'an authority with both key and keyless',
    '  images: [{ glob: "**" }]\n  authorities: [{ key: { kms: "hashivault://k" }, keyless: { identities: [{ issuer: "https://i", subject: "s" }] } }]\n',
    'spec.authorities[0]',
    /got both: key, keyless/,
  ],
  [
    'an empty key',
    '  images: [{ glob: "**" }]\n  authorities: [{ key: {} }]\n',
    'spec.authorities[0].key',
    /got neither/,
  ],
  [
    'a key that is not a public key',
    '  images: [{ glob: "**" }]\n  authorities: [{ key: { data: "not a key" } }]\n',
    'spec.authorities[0].key.data',
    /not a PEM public key/,
  ],
  [
    'a malformed AWS KMS URI',
    '  images: [{ glob: "**" }]\n  authorities: [{ key: { kms: "awskms://nope" } }]\n',
    'spec.authorities[0].key.kms',
    /malformed AWS KMS/,
  ],
  [
    'an invalid hash algorithm',
    '  images: [{ glob: "**" }]\n  authorities: [{ key: { kms: "hashivault://k", hashAlgorithm: md5 } }]\n',
    'spec.authorities[0].key.hashAlgorithm',
    /invalid value "md5"/,
  ],
  [
    'keyless without identities',
    '  images: [{ glob: "**" }]\n  authorities: [{ keyless: { url: "https://fulcio.sigstore.dev" } }]\n',
    'spec.authorities[0].keyless.identities',
    /missing field/,
  ],
  [
    'an identity without a subject',
    '  images: [{ glob: "**" }]\n  authorities: [{ keyless: { identities: [{ issuer: "https://i" }] } }]\n',
    'spec.authorities[0].keyless.identities[0]',
    /subject or subjectRegExp/,
  ],
  [
    'an identity without an issuer',
    '  images: [{ glob: "**" }]\n  authorities: [{ keyless: { identities: [{ subject: "s" }] } }]\n',
    'spec.authorities[0].keyless.identities[0]',
    /issuer or issuerRegExp/,
  ],
  [
    'subject and subjectRegExp together',
    '  images: [{ glob: "**" }]\n  authorities: [{ keyless: { identities: [{ issuer: "https://i", subject: "s", subjectRegExp: ".*" }] } }]\n',
    'spec.authorities[0].keyless.identities[0]',
    /got both: subject, subjectRegExp/,
  ],
  [
    'an invalid subject regexp',
    '  images: [{ glob: "**" }]\n  authorities: [{ keyless: { identities: [{ issuer: "https://i", subjectRegExp: "(unclosed" }] } }]\n',
    'spec.authorities[0].keyless.identities[0].subjectRegExp',
    /invalid regular expression/,
  ],
  [
    'a backreference RE2 does not have',
    '  images: [{ glob: "**" }]\n  authorities: [{ keyless: { identities: [{ issuer: "https://i", subjectRegExp: "(a)\\\\1" }] } }]\n',
    'spec.authorities[0].keyless.identities[0].subjectRegExp',
    /error parsing regexp: invalid escape sequence: `\\1`/,
  ],
  [
    'an invalid mode',
    '  images: [{ glob: "**" }]\n  authorities: [{ static: { action: pass } }]\n  mode: audit\n',
    'spec.mode',
    /expected one of enforce, warn/,
  ],
  [
    'an invalid match resource',
    '  images: [{ glob: "**" }]\n  authorities: [{ static: { action: pass } }]\n  match: [{ resource: services, version: v1 }]\n',
    'spec.match[0].resource',
    /invalid value: services/,
  ],
  [
    'a policy with data and configMapRef',
    '  images: [{ glob: "**" }]\n  authorities: [{ static: { action: pass } }]\n  policy: { type: cue, data: "a: 1", configMapRef: { name: x } }\n',
    'spec.policy',
    /got both/,
  ],
  [
    'a static action that is neither pass nor fail',
    '  images: [{ glob: "**" }]\n  authorities: [{ static: { action: maybe } }]\n',
    'spec.authorities[0].static.action',
    /expected one of pass, fail/,
  ],
];

for (const [what, spec, field, message] of INVALID) {
  test(`a ClusterImagePolicy with ${what} is refused naming ${field}`, () => {
    const e = refused(spec);
    assert.ok(e.fields.includes(`cip.yaml: ${field}`), `${e.fields.join(', ')}`);
    assert.match(e.message, message);
  });
}

test('unknown fields are reported with their full path, every one of them', () => {
  const e = refused(
    '  images: [{ glob: "**", globb: "x" }]\n  authorities:\n    - keyless:\n        identities: [{ issuer: "https://i", subjectRegexp: "x", subject: "s" }]\n  modee: warn\n',
  );
  assert.deepEqual([...e.fields].sort(), [
    'cip.yaml: spec.authorities[0].keyless.identities[0].subjectRegexp',
    'cip.yaml: spec.images[0].globb',
    'cip.yaml: spec.modee',
  ]);
});

test('a YAML alias bomb is refused with INPUT_TOO_LARGE before it expands', () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  ].join('\n');
  assert.throws(() => loadPolicies(bomb, 'bomb.yaml'), { code: 'INPUT_TOO_LARGE' });
});

test('a document over the YAML size limit is refused before parsing', () => {
  const huge = `${HEAD}  images: [{ glob: "**" }]\n  authorities: [{ static: { action: pass } }]\n# ${'x'.repeat(5 * 1024 * 1024)}\n`;
  assert.throws(() => loadPolicies(huge, 'huge.yaml'), { code: 'INPUT_TOO_LARGE' });
  assert.throws(() => loadPolicies(HEAD, 'small.yaml', { limits: { yamlMaxBytes: 10 } }), {
    code: 'INPUT_TOO_LARGE',
  });
});

test('truncated YAML is INPUT_MALFORMED with a line number, not a crash', () => {
  assert.throws(
    () => loadPolicies(`${HEAD}  images: [{ glob: "**"\n`, 't.yaml'),
    (e: unknown) => e instanceof VouchError && e.code === 'INPUT_MALFORMED' && /line/.test(e.message),
  );
});

test('invalid UTF-8 is INPUT_MALFORMED', () => {
  assert.throws(() => loadPolicies(new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0xfe]), 'bin.yaml'), {
    code: 'INPUT_MALFORMED',
  });
});

test('a duplicated key is refused (strict decoding), so a second value cannot silently win', () => {
  assert.throws(() => loadPolicies(`${HEAD}  mode: enforce\n  mode: warn\n`, 'dup.yaml'), {
    code: 'INPUT_MALFORMED',
  });
});

test('a file with no policies, or with other Kubernetes objects, is refused', () => {
  assert.throws(() => loadPolicies('# only a comment\n', 'empty.yaml'), { code: 'POLICY_INVALID' });
  assert.throws(() => loadPolicies('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n', 'cm.yaml'), {
    code: 'POLICY_INVALID',
  });
});

test('in a multi-document file, the bad document is named and the good ones still read', () => {
  const good = `${HEAD}  images: [{ glob: "**" }]\n  authorities: [{ static: { action: pass } }]\n`;
  const r = readPolicies(`${good}---\n${HEAD}  images: []\n`, 'multi.yaml');
  assert.equal(r.policies.cips.length, 1);
  assert.deepEqual(
    r.issues.map((i) => `${i.source} ${i.path}`),
    ['multi.yaml#2 spec.images', 'multi.yaml#2 spec.authorities'],
  );
});

test('v1alpha1 and TrustRoot documents load', () => {
  const text = `apiVersion: policy.sigstore.dev/v1alpha1
kind: TrustRoot
metadata: { name: airgap }
spec:
  sigstoreKeys:
    certificateAuthorities: []
    tLogs: []
---
apiVersion: policy.sigstore.dev/v1alpha1
kind: ClusterImagePolicy
metadata: { name: a }
spec:
  images: [{ glob: "**" }]
  authorities:
    - keyless:
        trustRootRef: airgap
        identities: [{ issuer: "https://i", subject: "s" }]
      ctlog: { trustRootRef: airgap }
`;
  const p = loadPolicies(text, 'tr.yaml');
  assert.equal(p.trustRoots[0]?.name, 'airgap');
  assert.equal(p.cips[0]?.apiVersion, 'policy.sigstore.dev/v1alpha1');
});
