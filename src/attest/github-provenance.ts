import { VouchError } from '../errors.js';
import type { SlsaProvenanceV1 } from './slsa-provenance.js';

/**
 * The buildType GitHub's own artifact attestations use for Actions workflow builds
 * (actions/attest-build-provenance): consumers that know it can interpret externalParameters.
 */
export const GITHUB_WORKFLOW_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1';

const REQUIRED = [
  'GITHUB_REPOSITORY',
  'GITHUB_WORKFLOW_REF',
  'GITHUB_SHA',
  'GITHUB_RUN_ID',
  'GITHUB_SERVER_URL',
] as const;

/**
 * Builds a SLSA Provenance v1 predicate for the current GitHub Actions run. Pure: the environment and
 * the finish time are passed in. `startedOn` is taken from `opts.startedOn` when the caller recorded it.
 * The result satisfies slsaProvenanceV1Problems.
 * @throws USAGE (a required GitHub variable is missing or malformed)
 */
export function provenanceFromGitHubEnv(
  env: Readonly<Record<string, string | undefined>>,
  now: Date,
  opts: { startedOn?: Date } = {},
): SlsaProvenanceV1 {
  const missing = REQUIRED.filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new VouchError('USAGE', `not a GitHub Actions environment: ${missing.join(', ')} unset`, {
      hint: 'run inside a GitHub Actions job, or pass the predicate with --predicate',
      fields: missing,
    });
  }
  const server = (env['GITHUB_SERVER_URL'] as string).replace(/\/+$/, '');
  const repository = env['GITHUB_REPOSITORY'] as string;
  const workflowRef = env['GITHUB_WORKFLOW_REF'] as string;
  const sha = env['GITHUB_SHA'] as string;
  const runId = env['GITHUB_RUN_ID'] as string;
  const attempt = env['GITHUB_RUN_ATTEMPT'] || '1';
  // GITHUB_WORKFLOW_REF is "<owner>/<repo>/<path>@<ref>", e.g.
  // "octo/app/.github/workflows/release.yml@refs/heads/main".
  const at = workflowRef.lastIndexOf('@');
  const prefix = `${repository}/`;
  if (at < 0 || !workflowRef.startsWith(prefix) || at <= prefix.length) {
    throw new VouchError('USAGE', `GITHUB_WORKFLOW_REF "${workflowRef}" is not <repository>/<path>@<ref>`, {
      fields: ['GITHUB_WORKFLOW_REF'],
    });
  }
  const path = workflowRef.slice(prefix.length, at);
  const ref = workflowRef.slice(at + 1);
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) {
    throw new VouchError('USAGE', `GITHUB_SHA "${sha}" is not a git commit id`, { fields: ['GITHUB_SHA'] });
  }
  if (!/^\d+$/.test(runId) || !/^\d+$/.test(attempt)) {
    throw new VouchError('USAGE', 'GITHUB_RUN_ID / GITHUB_RUN_ATTEMPT must be numbers', {
      fields: ['GITHUB_RUN_ID', 'GITHUB_RUN_ATTEMPT'],
    });
  }
  const github: Record<string, string> = {};
  for (const [key, name] of [
    ['GITHUB_EVENT_NAME', 'event_name'],
    ['GITHUB_REPOSITORY_ID', 'repository_id'],
    ['GITHUB_REPOSITORY_OWNER_ID', 'repository_owner_id'],
    ['RUNNER_ENVIRONMENT', 'runner_environment'],
  ] as const) {
    const v = env[key];
    if (v) github[name] = v;
  }
  const predicate: SlsaProvenanceV1 = {
    buildDefinition: {
      buildType: GITHUB_WORKFLOW_BUILD_TYPE,
      externalParameters: { workflow: { ref, repository: `${server}/${repository}`, path } },
      internalParameters: { github },
      // The source is the ref the run was triggered for (GITHUB_REF), as GitHub's attestations record it.
      resolvedDependencies: [
        { uri: `git+${server}/${repository}@${env['GITHUB_REF'] || ref}`, digest: { gitCommit: sha } },
      ],
    },
    runDetails: {
      // The workflow file at its ref is the builder identity (actions/toolkit @actions/attest).
      builder: { id: `${server}/${workflowRef}` },
      metadata: {
        invocationId: `${server}/${repository}/actions/runs/${runId}/attempts/${attempt}`,
        ...(opts.startedOn ? { startedOn: opts.startedOn.toISOString() } : {}),
        finishedOn: now.toISOString(),
      },
    },
  };
  return predicate;
}
