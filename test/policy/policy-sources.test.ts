// policy.remote: fetched over a real HTTP server on loopback, pinned by sha256sum, inlined and evaluated.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { VouchError } from '../../src/errors.js';
import { checkRemotePolicy, cueSubset, loadPolicies, remotePolicyRefs } from '../../src/policy/index.js';
import { resolveExternalPolicies } from '../../src/evidence/index.js';

const GOOD = 'predicate: components: [_, ...]\n';
const BROKEN = 'predicate: components: [_, ...\n';
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

let served = 0;
const server: Server = createServer((req, res) => {
  served++;
  if (req.url === '/good.cue') return void res.end(GOOD);
  if (req.url === '/broken.cue') return void res.end(BROKEN);
  if (req.url === '/moved') return void res.writeHead(302, { location: '/good.cue' }).end();
  if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
  if (req.url === '/huge') return void res.end(Buffer.alloc(2 * 1024 * 1024, 0x61));
  res.writeHead(404).end('not here');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
after(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function cip(url: string, sha256sum?: string): string {
  return `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: remote-sbom }
spec:
  images: [{ glob: "registry.local/**" }]
  authorities:
    - static: { action: pass }
  policy:
    type: cue
    remote:
      url: ${url}${sha256sum ? `\n      sha256sum: ${sha256sum}` : ''}
`;
}

const load = (text: string) => loadPolicies(text, 'remote.yaml');

test('a remote policy is listed once with where it is written', () => {
  const refs = remotePolicyRefs(load(cip(`${base}/good.cue`, sha(GOOD))));
  assert.deepEqual(refs, [
    { url: `${base}/good.cue`, sha256sum: sha(GOOD), where: 'remote-sbom: spec.policy' },
  ]);
});

test('a body whose SHA-256 is not the pinned one is refused, naming both digests', () => {
  const [ref] = remotePolicyRefs(load(cip(`${base}/good.cue`, sha('other'))));
  assert.ok(ref);
  const r = checkRemotePolicy(ref, Buffer.from(GOOD));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, new RegExp(`has sha256 ${sha(GOOD)}, the policy pins ${sha('other')}`));
});

test('the fetched, verified policy is inlined and compiled, and says where it came from', async () => {
  const set = await resolveExternalPolicies(load(cip(`${base}/good.cue`, sha(GOOD))), { engine: cueSubset });
  const p = set.cips[0]?.policy;
  assert.deepEqual(p?.source, { kind: 'inline', data: GOOD, fetchedFrom: `${base}/good.cue` });
  assert.equal(p?.cue?.ok, true);
});

test('a redirect is followed; the pinned digest still decides', async () => {
  const set = await resolveExternalPolicies(load(cip(`${base}/moved`, sha(GOOD))), { engine: cueSubset });
  assert.equal(set.cips[0]?.policy?.source.kind, 'inline');
});

for (const [what, path, pin, message] of [
  ['a 404', '/missing.cue', sha(GOOD), /HTTP 404/],
  ['a digest mismatch', '/good.cue', sha('tampered'), /has sha256 .*, the policy pins/],
  ['no sha256sum', '/good.cue', undefined, /has no sha256sum; policy-controller never inlines it/],
  ['a body over 1 MiB', '/huge', sha('x'), /larger than 1048576 bytes/],
  ['a redirect loop', '/loop', sha(GOOD), /more than 5 redirects/],
  ['CUE that does not compile', '/broken.cue', sha(BROKEN), /the policy from .*broken\.cue does not compile/],
] as const) {
  test(`a remote policy is refused as POLICY_INVALID on ${what}`, async () => {
    await assert.rejects(
      resolveExternalPolicies(load(cip(`${base}${path}`, pin)), { engine: cueSubset }),
      (e: unknown) => e instanceof VouchError && e.code === 'POLICY_INVALID' && message.test(e.message),
    );
  });
}

test('a set without remote policies is returned as is, with no request made', async () => {
  const before = served;
  const set = load(cip(`${base}/good.cue`, sha(GOOD)).replace(/remote:\n.*\n.*\n/, 'data: "a: 1"\n'));
  assert.equal(await resolveExternalPolicies(set, { engine: cueSubset }), set);
  assert.equal(served, before);
});

test('a URL that is not http(s) is refused without a request', async () => {
  await assert.rejects(
    resolveExternalPolicies(load(cip('file:///etc/passwd', sha(GOOD))), { engine: cueSubset }),
    /only http and https are fetched/,
  );
});

const cmCip = (ref: string) => `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: { name: cm-sbom }
spec:
  images: [{ glob: "registry.local/**" }]
  authorities:
    - static: { action: pass }
  policy:
    type: cue
    configMapRef: ${ref}
`;
const maps = (data: Record<string, Record<string, string>>) => async (ns: string, name: string) =>
  data[`${ns}/${name}`];

test("a configMapRef policy is inlined from the ConfigMap in policy-controller's namespace", async () => {
  const set = await resolveExternalPolicies(
    load(cmCip('{ name: sbom-policy, key: policy.cue }')),
    { engine: cueSubset },
    { configMaps: maps({ 'cosign-system/sbom-policy': { 'policy.cue': GOOD } }) },
  );
  const p = set.cips[0]?.policy;
  assert.deepEqual(p?.source, {
    kind: 'inline',
    data: GOOD,
    fetchedFrom: 'ConfigMap cosign-system/sbom-policy key policy.cue',
  });
  assert.equal(p?.cue?.ok, true);
});

for (const [what, source, message] of [
  ['no ConfigMap source', undefined, /no ConfigMaps to read it from/],
  ['a missing ConfigMap', maps({}), /cosign-system\/sbom-policy: the ConfigMap does not exist/],
  ['a missing key', maps({ 'cosign-system/sbom-policy': { other: GOOD } }), /has no key "policy\.cue"/],
] as const) {
  test(`a configMapRef policy is refused as POLICY_INVALID with ${what}`, async () => {
    await assert.rejects(
      resolveExternalPolicies(
        load(cmCip('{ name: sbom-policy, key: policy.cue }')),
        { engine: cueSubset },
        source ? { configMaps: source } : {},
      ),
      (e: unknown) => e instanceof VouchError && e.code === 'POLICY_INVALID' && message.test(e.message),
    );
  });
}
