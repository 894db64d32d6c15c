/**
 * How much of a context's value an attacker controls, in zizmor's three classes: `arbitrary` (any
 * text: issue titles, branch names, commit messages), `structured` (attacker-influenced but shaped, such
 * as URL templates and e-mail addresses), `fixed` (numbers, SHAs, booleans, timestamps, names GitHub
 * assigns). Undefined means "not classified": the rule falls back on the context's root.
 *
 * Facts from GitHub's webhook payload schemas as zizmor tabulates them (data/context-capabilities.csv):
 * under `github.event` the class follows the last property name in nearly all payloads (92% of the
 * 4,063 paths; the exceptions are mostly rarely used `*_url` and `type` fields), so vouch keeps that
 * rule plus the exact exceptions that workflows commonly read.
 */
export type Capability = 'arbitrary' | 'structured' | 'fixed';

/** `github.*` contexts outside `github.event` whose value the runner or GitHub fixes. */
const FIXED_GITHUB = new Set([
  'github.action_path',
  'github.job',
  'github.repository',
  'github.repository_id',
  'github.repository_owner',
  'github.repository_owner_id',
  'github.repositoryurl',
  'github.run_attempt',
  'github.run_id',
  'github.run_number',
  'github.server_url',
  'github.sha',
  'github.token',
  'github.triggering_actor',
  'github.workspace',
  'github.event_name',
  'runner.arch',
  'runner.debug',
  'runner.os',
  'runner.temp',
  'runner.tool_cache',
]);

/** Last property names under `github.event` whose values are fixed in (almost) every payload. */
const FIXED_EVENT_LEAVES = new Set(
  `
  +1 -1 actions additions admin admin_enforced administration allow_auto_merge
  allow_deletions_enforcement_level allow_force_pushes_enforcement_level allow_forking
  allow_merge_commit allow_rebase_merge allow_squash_merge allow_update_branch annotations_count
  anonymous_access_enabled archived author_association authorized_actors_only
  authorized_dismissal_actors_only base_sha blocked_by blocking changed_files check_suite_id checks
  child_comment_count closed_at closed_issues comment_count comments commits completed completed_at
  conclusion confused content_references contents create_protected created created_at creator
  data_type date default delete_branch_on_merge deleted deleted_by_id deletions deployments disabled
  discussion_id discussions dismiss_stale_reviews_on_push distinct download_count draft due_on
  duration emails enterprise_id environments event_name events eyes forced fork forks forks_count
  has_discussions has_downloads has_issues has_pages has_projects has_shrinkwrap has_wiki head_commit
  heart hooray id ignore_approvals_from_contributors immutable in_reply_to_id installations_count
  is_answerable is_enabled is_template issue_field_id issues keys latest_check_runs_count laugh
  lexical_search_ok license line linear_history_requirement_enforcement_level lock_allows_fork_sync
  lock_branch_enforcement_level locked maintain maintainer_can_modify members merge_commit_message
  merge_commit_title merge_method merge_queue_enforcement_level mergeable merged merged_at merged_by
  network_count number open_issues open_issues_count organization_administration organization_hooks
  organization_id organization_packages organization_plan organization_projects organization_secrets
  organization_self_hosted_runners organization_user_blocking original_line original_position
  original_start_line packages pages parent_id percent_completed performed_via_github_app position
  prerelease privacy private production_environment protected public published_via_actions pull
  pull_request_review_id pull_request_reviews_enforcement_level pull_requests push pushed_at
  rebaseable ref_type release_id repository_hooks repository_id repository_projects
  require_code_owner_review require_last_push_approval required_approving_review_count
  required_conversation_resolution_level required_deployments_enforcement_level
  required_status_checks_enforcement_level rerequestable review_comments rocket run_attempt run_number
  run_started_at runs_rerequestable secret_scanning_alerts secrets security_events
  security_scanning_alert side signature_requirement_enforcement_level single_file site_admin size
  squash_merge_commit_message squash_merge_commit_title stargazers stargazers_count start_line
  start_side started_at state status statuses strict_required_status_checks_policy subject_type
  submitted_at subscribers_count team_discussions timestamp to total total_blocked_by total_blocking
  total_count transient_environment triage type updated_at use_squash_pr_title_as_default verified
  vulnerability_alerts watchers watchers_count web_commit_signoff_required workflow_id workflows
`
    .split(/\s+/)
    .filter((s) => s.length > 0),
);

/** URL templates (`…{/other_user}`): attacker-influenced, but not free text. */
const STRUCTURED_EVENT_LEAVES = new Set([
  'following_url',
  'gists_url',
  'members_url',
  'starred_url',
  'upload_url',
]);

/** Exact paths whose class differs from their last property name's. */
const EXACT: ReadonlyMap<string, Capability> = new Map([
  ['github.event.pull_request.head.sha', 'fixed'],
  ['github.event.pull_request.base.sha', 'fixed'],
  ['github.event.inputs', 'arbitrary'],
  ['github.event.inputs.*', 'arbitrary'],
]);

/** The capability of a context pattern (`github.event.pull_request.title`), or undefined. */
export function contextCapability(pattern: string): Capability | undefined {
  const exact = EXACT.get(pattern);
  if (exact) return exact;
  if (FIXED_GITHUB.has(pattern)) return 'fixed';
  if (!pattern.startsWith('github.event.')) return undefined;
  const parts = pattern.split('.').filter((p) => p !== '*');
  const leaf = parts[parts.length - 1] ?? '';
  if (parts.length <= 2) return undefined;
  if (FIXED_EVENT_LEAVES.has(leaf)) return 'fixed';
  if (STRUCTURED_EVENT_LEAVES.has(leaf)) return 'structured';
  return 'arbitrary';
}
