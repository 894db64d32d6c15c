import { allContexts, type Expr } from './expressions.js';
import { type CiDocument, type CiFinding, isObj, type Path } from './model.js';
import { parseUses, usesMatches } from './uses.js';

/**
 * Rules about secrets: overprovisioned-secrets and secrets-outside-env (zizmor's), and vouch's
 * static-cloud-credentials and hardcoded-container-credentials, which names the OIDC federation to use instead of a long-lived key.
 */

/** overprovisioned-secrets: `toJSON(secrets)` or `secrets[expr]` hands every secret to the job. */
export function overprovisionedSecrets(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const visit = (e: Expr, fence: { start: number; end: number }): void => {
    const walk = (x: Expr): void => {
      switch (x.kind) {
        case 'ident':
          if (x.name.toLowerCase() === 'secrets')
            out.push(
              doc.finding(
                {
                  rule: 'overprovisioned-secrets',
                  severity: 'medium',
                  confidence: 'high',
                  message:
                    'the whole secrets context is expanded: every secret of the repository is exposed to this job',
                  fix: { description: 'reference each secret the job needs by name' },
                },
                fence,
              ),
            );
          return;
        case 'index':
          if (x.object.kind === 'ident' && x.object.name.toLowerCase() === 'secrets') {
            if (x.index.kind !== 'literal')
              out.push(
                doc.finding(
                  {
                    rule: 'overprovisioned-secrets',
                    severity: 'medium',
                    confidence: 'high',
                    message: 'secrets indexed by a computed key: every secret can be reached',
                  },
                  fence,
                ),
              );
            walk(x.index);
            return;
          }
          walk(x.object);
          walk(x.index);
          return;
        case 'member':
          if (x.object.kind === 'ident') return; // secrets.NAME is a single secret
          walk(x.object);
          return;
        case 'call':
          for (const a of x.args) walk(a);
          return;
        case 'not':
          walk(x.operand);
          return;
        case 'binary':
          walk(x.left);
          walk(x.right);
          return;
        default:
          return;
      }
    };
    walk(e);
  };
  for (const path of doc.expressionStrings())
    for (const w of doc.expressionsAt(path)) if (w.expr) visit(w.expr, w);
  return out;
}

/**
 * secrets-outside-env (auditor): a secret read in a job with no `environment:` is a repository or
 * organization secret any branch's workflow can read; environment secrets can require reviewers and
 * branch rules. GITHUB_TOKEN is always allowed; reusable workflows are not judged (as in zizmor).
 */
export function secretsOutsideEnv(doc: CiDocument): CiFinding[] {
  if (doc.kind !== 'workflow' || doc.triggers().includes('workflow_call')) return [];
  const out: CiFinding[] = [];
  for (const job of doc.jobs()) {
    if (typeof job.value['uses'] === 'string' || job.value['environment'] !== undefined) continue;
    for (const path of doc.expressionStrings().filter((p) => p[0] === 'jobs' && p[1] === job.id))
      for (const w of doc.expressionsAt(path)) {
        if (!w.expr) continue;
        for (const ref of allContexts(w.expr)) {
          if (ref.root !== 'secrets') continue;
          if (ref.pattern === 'secrets.github_token') continue;
          out.push(
            doc.finding(
              {
                rule: 'secrets-outside-env',
                severity: 'medium',
                confidence: 'high',
                persona: 'auditor',
                message: `${w.inner.slice(ref.span.start, ref.span.end)} is read outside of a dedicated environment`,
                fix: { description: 'move the secret into an environment and set environment: on the job' },
              },
              { start: w.base + ref.span.start, end: w.base + ref.span.end },
            ),
          );
        }
      }
  }
  return out;
}

/** Static cloud keys and what to use instead. */
const STATIC_KEYS: ReadonlyArray<{ name: RegExp; cloud: string; instead: string }> = [
  {
    name: /^(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-secret-access-key|aws-access-key-id)$/,
    cloud: 'AWS',
    instead: 'aws-actions/configure-aws-credentials with role-to-assume (OIDC, AssumeRoleWithWebIdentity)',
  },
  {
    name: /^(GOOGLE_APPLICATION_CREDENTIALS_JSON|GCP_SA_KEY|GCLOUD_SERVICE_KEY|credentials_json)$/,
    cloud: 'Google Cloud',
    instead: 'google-github-actions/auth with workload_identity_provider (Workload Identity Federation)',
  },
  {
    name: /^(AZURE_CLIENT_SECRET|AZURE_CREDENTIALS|creds|client-secret)$/,
    cloud: 'Azure',
    instead: 'azure/login with client-id, tenant-id and subscription-id (OIDC federated credential)',
  },
];

/**
 * static-cloud-credentials: a long-lived cloud key in `env:` or `with:` where OIDC federation would
 * give a short-lived, per-run credential bound to this repository and workflow.
 */
export function staticCloudCredentials(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const maps: Path[] = [
    ['env'],
    ...doc.jobs().map((j) => [...j.path, 'env']),
    ...doc.steps().flatMap((s) => [
      [...s.path, 'env'],
      [...s.path, 'with'],
    ]),
  ];
  for (const path of maps) {
    const m = doc.get(path);
    if (!isObj(m)) continue;
    for (const [key, value] of Object.entries(m)) {
      const hit = STATIC_KEYS.find((k) => k.name.test(key));
      if (!hit || typeof value !== 'string' || !/\$\{\{\s*secrets\./.test(value)) continue;
      if (hit.cloud === 'Azure' && key === 'creds' && !isAzureLogin(doc, path)) continue;
      out.push(
        doc.finding(
          {
            rule: 'static-cloud-credentials',
            severity: 'medium',
            confidence: 'medium',
            message: `${key} passes a long-lived ${hit.cloud} key from secrets: federate with OIDC instead`,
            fix: { description: `use ${hit.instead}, and grant the job id-token: write` },
          },
          doc.range([...path, key], true),
        ),
      );
    }
  }
  return out;
}

function isAzureLogin(doc: CiDocument, withPath: Path): boolean {
  const uses = doc.get([...withPath.slice(0, -1), 'uses']);
  const u = typeof uses === 'string' ? parseUses(uses) : undefined;
  return u?.kind === 'repository' && usesMatches('azure/login', u);
}

/** A value that is one whole `${{ … }}` expression (a secret reference), not literal text. */
function isWholeExpression(v: string): boolean {
  return /^\$\{\{[\s\S]*\}\}$/.test(v.trim());
}

/**
 * hardcoded-container-credentials: a registry password written into `container:` or `services:`
 * credentials instead of read from secrets. High severity, high confidence, as in zizmor.
 */
export function hardcodedContainerCredentials(doc: CiDocument): CiFinding[] {
  const out: CiFinding[] = [];
  const check = (container: unknown, path: Path): void => {
    if (!isObj(container)) return;
    const creds = container['credentials'];
    if (!isObj(creds)) return;
    const password = creds['password'];
    if (password === undefined || password === null) return;
    if (typeof password === 'string' && isWholeExpression(password)) return;
    out.push(
      doc.finding(
        {
          rule: 'hardcoded-container-credentials',
          severity: 'high',
          confidence: 'high',
          message: 'container registry password is hard-coded',
          fix: { description: 'read the password from a secret (password: an expression over secrets)' },
        },
        doc.range([...path, 'credentials'], true),
      ),
    );
  };
  for (const job of doc.jobs()) {
    check(job.value['container'], [...job.path, 'container']);
    const services = job.value['services'];
    if (isObj(services))
      for (const [name, s] of Object.entries(services)) check(s, [...job.path, 'services', name]);
  }
  return out;
}
