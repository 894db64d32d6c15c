import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityMismatches, readCertificateIdentity } from '../../src/sign/index.js';
import { caCert, GITHUB_IDENTITY, GITHUB_ISSUER } from './test-material.js';

const github = () => readCertificateIdentity(caCert('leaf-github.pem'), 'leaf');

test('a Fulcio-shaped GitHub certificate yields SAN URI, v2 issuer and the v1 workflow claims', () => {
  assert.deepEqual(github(), {
    sans: [GITHUB_IDENTITY],
    issuer: GITHUB_ISSUER,
    githubWorkflowTrigger: 'push',
    githubWorkflowSha: '0123456789abcdef0123456789abcdef01234567',
    githubWorkflowName: 'Release',
    githubWorkflowRepository: 'octo/app',
    githubWorkflowRef: 'refs/heads/main',
  });
});

test('an email certificate with only the v1 issuer extension (raw bytes) reads', () => {
  assert.deepEqual(readCertificateIdentity(caCert('leaf-email.pem'), 'leaf'), {
    sans: ['alice@example.com'],
    issuer: 'https://accounts.google.com',
  });
});

test('exact identity and issuer match', () => {
  assert.deepEqual(identityMismatches(github(), { subject: GITHUB_IDENTITY, issuer: GITHUB_ISSUER }), []);
});

test("regexp constraints match unanchored, as cosign's Go regexp.MatchString does", () => {
  assert.deepEqual(
    identityMismatches(github(), { subjectRegExp: 'octo/app/', issuerRegExp: 'githubusercontent' }),
    [],
  );
  assert.equal(identityMismatches(github(), { subjectRegExp: '^https://github.com/evil/' }).length, 1);
});

test('every GitHub workflow constraint is checked', () => {
  const out = identityMismatches(github(), {
    githubWorkflowTrigger: 'pull_request',
    githubWorkflowSha: 'f'.repeat(40),
    githubWorkflowName: 'CI',
    githubWorkflowRepository: 'evil/app',
    githubWorkflowRef: 'refs/heads/dev',
  });
  assert.equal(out.length, 5);
  assert.match(out[3] ?? '', /GitHub workflow repository octo\/app != expected evil\/app/);
});

test('the matching workflow constraints pass', () => {
  assert.deepEqual(
    identityMismatches(github(), {
      githubWorkflowTrigger: 'push',
      githubWorkflowRepository: 'octo/app',
      githubWorkflowRef: 'refs/heads/main',
    }),
    [],
  );
});

test('an invalid regexp is a USAGE error', () => {
  assert.throws(() => identityMismatches(github(), { subjectRegExp: '(' }), { code: 'USAGE' });
});
