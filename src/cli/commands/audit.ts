import type { Command } from 'commander';
import type { CommandContext, CommandRegistration } from '../context.js';
import { registerAuditCi } from './audit-ci.js';
import { registerAuditK8s } from './audit-k8s.js';

/**
 * `vouch audit <kind>`: each audit is its own module registering one subcommand under `audit`. They
 * share the findings model and flags of src/cli/audit-output.ts (-o table|json|sarif, --output-file,
 * --fail-on, --only, --skip, --list-rules). Add an audit by importing its registration and listing it.
 */
const AUDITS: readonly CommandRegistration[] = [registerAuditCi, registerAuditK8s];

export function registerAudit(program: Command, ctx: CommandContext): void {
  const audit = program
    .command('audit')
    .description('audit CI workflows (ci) and Kubernetes manifests (k8s): findings as table, JSON or SARIF');
  for (const register of AUDITS) register(audit, ctx);
}
