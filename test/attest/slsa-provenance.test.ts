import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertSlsaProvenanceV1,
  GITHUB_WORKFLOW_BUILD_TYPE,
  provenanceFromGitHubEnv,
  slsaProvenanceV1Problems,
} from '../../src/attest/index.js';

const env = {
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_WORKFLOW_REF: 'octo/app/.github/workflows/release.yml@refs/tags/v1.2.3',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_RUN_ID: '987654321',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REF: 'refs/tags/v1.2.3',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REPOSITORY_ID: '123',
  GITHUB_REPOSITORY_OWNER_ID: '456',
  RUNNER_ENVIRONMENT: 'github-hosted',
};
const now = new Date('2026-01-02T03:04:05Z');

test('GitHub Actions variables become a SLSA v1 predicate that passes the v1 field rules', () => {
  const p = provenanceFromGitHubEnv(env, now, { startedOn: new Date('2026-01-02T03:00:00Z') });
  assert.deepEqual(slsaProvenanceV1Problems(p), []);
  assert.equal(p.buildDefinition.buildType, GITHUB_WORKFLOW_BUILD_TYPE);
  assert.deepEqual(p.buildDefinition.externalParameters, {
    workflow: {
      ref: 'refs/tags/v1.2.3',
      repository: 'https://github.com/octo/app',
      path: '.github/workflows/release.yml',
    },
  });
  assert.deepEqual(p.buildDefinition.resolvedDependencies, [
    { uri: 'git+https://github.com/octo/app@refs/tags/v1.2.3', digest: { gitCommit: env.GITHUB_SHA } },
  ]);
  assert.equal(
    p.runDetails.builder.id,
    'https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1.2.3',
  );
  assert.equal(
    p.runDetails.metadata?.invocationId,
    'https://github.com/octo/app/actions/runs/987654321/attempts/2',
  );
  assert.equal(p.runDetails.metadata?.finishedOn, '2026-01-02T03:04:05.000Z');
  assert.deepEqual(p.buildDefinition.internalParameters, {
    github: {
      event_name: 'push',
      repository_id: '123',
      repository_owner_id: '456',
      runner_environment: 'github-hosted',
    },
  });
});

test('the builder is pure: same env and time, same predicate', () => {
  assert.deepEqual(provenanceFromGitHubEnv(env, now), provenanceFromGitHubEnv({ ...env }, now));
});

test('missing GitHub variables are a USAGE error listing each one', () => {
  try {
    provenanceFromGitHubEnv({ GITHUB_REPOSITORY: 'octo/app' }, now);
    assert.fail('expected an error');
  } catch (e) {
    assert.equal((e as { code: string }).code, 'USAGE');
    assert.deepEqual((e as { fields: string[] }).fields, [
      'GITHUB_WORKFLOW_REF',
      'GITHUB_SHA',
      'GITHUB_RUN_ID',
      'GITHUB_SERVER_URL',
    ]);
  }
});

test('a workflow ref of another repository is refused', () => {
  assert.throws(
    () =>
      provenanceFromGitHubEnv({ ...env, GITHUB_WORKFLOW_REF: 'evil/x/.github/workflows/a.yml@main' }, now),
    {
      code: 'USAGE',
    },
  );
});

test('SLSA v1: buildType, externalParameters and builder.id are required', () => {
  const problems = slsaProvenanceV1Problems({ buildDefinition: {}, runDetails: { builder: {} } });
  assert.deepEqual(problems, [
    'buildDefinition.buildType (required URI)',
    'buildDefinition.externalParameters (required object)',
    'runDetails.builder.id (required URI)',
  ]);
});

test('SLSA v1: a resource descriptor needs uri, digest or content', () => {
  const p = provenanceFromGitHubEnv(env, now);
  (p.buildDefinition.resolvedDependencies as unknown[]).push({ name: 'only a name' });
  assert.deepEqual(slsaProvenanceV1Problems(p), [
    'buildDefinition.resolvedDependencies[1] (needs one of uri, digest, content)',
  ]);
});

test('SLSA v1: timestamps must be RFC 3339 and finish after start', () => {
  const p = provenanceFromGitHubEnv(env, now, { startedOn: new Date('2026-01-03T00:00:00Z') });
  assert.deepEqual(slsaProvenanceV1Problems(p), ['runDetails.metadata.finishedOn (before startedOn)']);
  const q = provenanceFromGitHubEnv(env, now);
  if (q.runDetails.metadata) q.runDetails.metadata.finishedOn = 'yesterday';
  assert.throws(() => assertSlsaProvenanceV1(q, 'predicate'), { code: 'ATTESTATION_INVALID' });
});

test('a v0.2-shaped predicate is not SLSA v1', () => {
  assert.equal(slsaProvenanceV1Problems({ builder: { id: 'x' }, buildType: 'y', invocation: {} }).length, 2);
});
