import type { Document } from 'yaml';
import type { Limits } from '../limits.js';
import { PREDICATE_SHORTHANDS } from './cip/model.js';
import type { CueEngine } from './cue/evaluator.js';
import { cueSubset, usesTimeNow } from './cue/subset.js';
import { anchored, compileGoRegexp, isAnchored } from './go-regexp.js';
import { isObj, type Obj } from './field-reader.js';
import { IssueList, type PolicyIssue } from './issues.js';
import { type PolicySet, readPolicies } from './load.js';
import { openForEdit, renderDocuments } from './yaml-edit.js';

export interface LintResult {
  /** Schema errors, semantic errors and warnings, each with its field path and a fix. */
  readonly issues: readonly PolicyIssue[];
  /** The file with every mechanical fix applied (mutateDigest for Audit), when there was one. */
  readonly corrected?: string;
  readonly ok: boolean;
  /** The documents that passed the schema (what loadPolicies returns when there is no error). */
  readonly policies: PolicySet;
}

/**
 * Validates policies as the real controllers would (schema, Kyverno's webhook rules) and adds semantic
 * checks that catch policies that load but cannot work (CUE that does not compile, predicate types no
 * tool produces, unanchored identity regexps).
 * @throws INPUT_TOO_LARGE, INPUT_MALFORMED for YAML that cannot be read
 */
export function lintPolicies(
  text: string,
  source: string,
  opts: { limits?: Partial<Limits>; cue?: CueEngine } = {},
): LintResult {
  const read = readPolicies(text, source, opts);
  const issues: PolicyIssue[] = [...read.issues];
  // The editable copy (a CST parse, the costliest step) only for Kyverno documents, which may get fixes.
  let docs: Document.Parsed[] | undefined;
  const editable = (i: number): Document.Parsed | undefined => {
    docs ??= openForEdit(text, source, opts.limits);
    return docs[i];
  };
  let changed = false;
  const multi = read.documents.length > 1;
  for (const d of read.documents) {
    const list = new IssueList(multi ? `${source}#${d.index + 1}` : source);
    if (!isObj(d.value)) continue;
    const api = String(d.value['apiVersion'] ?? '');
    if (api === 'kyverno.io/v1') {
      const doc = editable(d.index);
      if (doc) changed = lintKyverno(list, d.value, doc) || changed;
    }
    if (api.startsWith('policy.sigstore.dev/')) lintCip(list, d.value, opts.cue ?? cueSubset);
    issues.push(...list.items);
  }
  return {
    issues,
    policies: read.policies,
    ...(changed && docs ? { corrected: renderDocuments(docs, text) } : {}),
    ok: !issues.some((i) => i.severity === 'error'),
  };
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function lintKyverno(list: IssueList, doc: Obj, edit: Document.Parsed): boolean {
  const spec = isObj(doc['spec']) ? doc['spec'] : {};
  const action = String(spec['validationFailureAction'] ?? 'Audit').toLowerCase();
  let changed = false;
  arr(spec['rules']).forEach((rule, i) => {
    if (!isObj(rule)) return;
    arr(rule['verifyImages']).forEach((iv, j) => {
      if (!isObj(iv)) return;
      const path = `spec.rules[${i}].verifyImages[${j}]`;
      const ivAction = typeof iv['failureAction'] === 'string' ? iv['failureAction'].toLowerCase() : action;
      const mutate = iv['mutateDigest'] === undefined ? true : iv['mutateDigest'] === true;
      // Kyverno's policy webhook (ImageVerification.Validate) refuses this: an audited request is admitted
      // before verification completes, so there is nothing to mutate it to.
      if (mutate && ivAction === 'audit') {
        list.error(
          `${path}.mutateDigest`,
          "mutateDigest must be set to false for 'Audit' failure action",
          iv['mutateDigest'] === undefined
            ? 'mutateDigest defaults to true: add `mutateDigest: false` (see the corrected YAML), or switch to Enforce'
            : 'set `mutateDigest: false` (see the corrected YAML), or switch to Enforce',
        );
        edit.setIn(['spec', 'rules', i, 'verifyImages', j, 'mutateDigest'], false);
        changed = true;
      }
      arr(iv['imageReferences']).forEach((ref, k) => {
        if (typeof ref !== 'string' || ref.startsWith('*') || ref.startsWith('?')) return;
        const host = ref.split('/')[0] ?? '';
        // Kyverno matches against `registry/path:tag` with docker.io added, so a bare name never matches.
        if (!ref.includes('/') || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
          list.warn(
            `${path}.imageReferences[${k}]`,
            `"${ref}" has no registry: Kyverno compares against names like docker.io/${ref}, so it never matches`,
            `write "docker.io/${ref}" (Docker Hub) or the full registry host`,
          );
        }
      });
      if (iv['verifyDigest'] === false && iv['mutateDigest'] === false) {
        list.warn(
          path,
          'neither verifyDigest nor mutateDigest: the admitted tag can be re-pointed after verification',
          'set verifyDigest: true and reference images by digest',
        );
      }
      const entries = (sets: unknown[], base: string) =>
        sets.forEach((set, k) => {
          if (!isObj(set)) return;
          arr(set['entries']).forEach((e, m) => {
            if (!isObj(e)) return;
            const p = `${base}[${k}].entries[${m}]`;
            for (const kind of ['keys', 'keyless', 'certificates']) {
              const body = e[kind];
              if (!isObj(body)) continue;
              if (isObj(body['rekor']) && body['rekor']['ignoreTlog'] === true) {
                list.warn(
                  `${p}.${kind}.rekor.ignoreTlog`,
                  'transparency-log verification is off: a leaked key signs undetectably',
                  'remove ignoreTlog unless the cluster is air-gapped',
                );
              }
            }
            const kl = e['keyless'];
            if (isObj(kl)) {
              if (kl['subject'] === undefined && kl['subjectRegExp'] === undefined) {
                list.error(
                  `${p}.keyless`,
                  'no subject: every identity the issuer vouches for may sign',
                  'add subject: https://github.com/<org>/<repo>/.github/workflows/<file>@refs/heads/main',
                );
              }
              if (kl['issuer'] === undefined && kl['issuerRegExp'] === undefined) {
                list.error(
                  `${p}.keyless`,
                  'no issuer: every OIDC provider Fulcio trusts may vouch for the subject',
                  'add issuer: https://token.actions.githubusercontent.com',
                );
              }
              for (const f of ['subjectRegExp', 'issuerRegExp']) {
                const re = kl[f];
                if (typeof re === 'string' && !isAnchored(re) && compileGoRegexp(re).ok) {
                  list.warn(
                    `${p}.keyless.${f}`,
                    `regexp "${re}" is unanchored: it also matches inside a longer identity`,
                    `anchor it: ${anchored(re)}`,
                  );
                }
              }
            }
          });
        });
      entries(arr(iv['attestors']), `${path}.attestors`);
      arr(iv['attestations']).forEach((a, k) => {
        if (isObj(a)) entries(arr(a['attestors']), `${path}.attestations[${k}].attestors`);
      });
    });
  });
  return changed;
}

function lintCip(list: IssueList, doc: Obj, cue: CueEngine): void {
  const spec = isObj(doc['spec']) ? doc['spec'] : {};
  const lintPolicy = (pol: unknown, path: string) => {
    if (!isObj(pol)) return;
    if (pol['type'] === 'rego') {
      list.warn(
        `${path}.type`,
        'vouch does not evaluate rego policies: this authority always fails in vouch',
        'write the policy in CUE',
      );
      return;
    }
    if (pol['type'] !== 'cue' || typeof pol['data'] !== 'string') return;
    const data = pol['data'];
    const c = cue.compile(data);
    if (!c.ok && c.kind === 'syntax') {
      list.error(
        `${path}.data`,
        `CUE does not compile: ${c.message}; policy-controller denies every image this authority covers`,
        cueFix(c.message, data),
      );
    } else if (!c.ok) {
      list.warn(
        `${path}.data`,
        `vouch cannot evaluate this CUE with the ${cue.name} engine (${c.message}): it fails closed`,
        cue === cueSubset
          ? 'run with --cue auto (real CUE beyond the built-in subset), or simplify the policy to field constraints, bounds and lists'
          : 'check the policy with `cue vet policy.cue statement.json`; it must compile within 10 s',
      );
    }
    if (usesTimeNow(data)) {
      list.warn(
        `${path}.data`,
        'time.Now() is not part of CUE: policy-controller and `cue vet` reject it ("cannot call non-function time.Now"); only vouch binds it to the admission time',
        'keep it only for vouch; for policy-controller compare against a fixed time.Parse(time.RFC3339, …)',
      );
    }
  };
  lintPolicy(spec['policy'], 'spec.policy');
  arr(spec['images']).forEach((im, i) => {
    const glob = isObj(im) ? im['glob'] : undefined;
    if (typeof glob !== 'string' || glob === '*' || glob === '*/*' || glob.startsWith('*')) return;
    const host = glob.split('/')[0] ?? '';
    // policy-controller matches the fully qualified name; a glob without registry only matches through
    // its deprecated "as written" fallback, which it says will be removed.
    if (!glob.includes('/') || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
      list.warn(
        `spec.images[${i}].glob`,
        `"${glob}" has no registry: it only matches through policy-controller's deprecated as-written fallback`,
        `write "index.docker.io/${glob.includes('/') ? glob : `library/${glob}`}" for Docker Hub, or the full registry host`,
      );
    }
  });
  arr(spec['authorities']).forEach((a, i) => {
    if (!isObj(a)) return;
    const path = `spec.authorities[${i}]`;
    if (isObj(a['ctlog']) && a['ctlog']['url'] === undefined && a['ctlog']['trustRootRef'] === undefined) {
      list.warn(
        `${path}.ctlog`,
        '`ctlog: {}` turns transparency-log verification off',
        'remove ctlog, or set url to your Rekor',
      );
    } else if (isObj(a['key']) && a['ctlog'] === undefined) {
      // policy-controller checks a key authority without ctlog signature-only (checkOptsFromAuthority).
      list.warn(
        `${path}.key`,
        'no ctlog: this key authority checks the signature only, no transparency log (as policy-controller does)',
        'set ctlog.url to your Rekor (https://rekor.sigstore.dev) to require a transparency-log entry',
      );
    }
    const kl = a['keyless'];
    if (isObj(kl)) {
      arr(kl['identities']).forEach((id, k) => {
        if (!isObj(id)) return;
        for (const f of ['subjectRegExp', 'issuerRegExp']) {
          const re = id[f];
          if (typeof re === 'string' && !isAnchored(re) && compileGoRegexp(re).ok) {
            list.warn(
              `${path}.keyless.identities[${k}].${f}`,
              `regexp "${re}" is unanchored: it also matches inside a longer identity (cosign matches unanchored)`,
              `anchor it: ${anchored(re)}`,
            );
          }
        }
      });
    }
    arr(a['attestations']).forEach((att, k) => {
      if (!isObj(att)) return;
      const p = `${path}.attestations[${k}]`;
      const pt = att['predicateType'];
      if (
        typeof pt === 'string' &&
        PREDICATE_SHORTHANDS[pt] === undefined &&
        !/^[a-z][a-z0-9+.-]*:\/\//.test(pt)
      ) {
        const guess = Object.values(PREDICATE_SHORTHANDS).find(
          (u) => u.endsWith(pt) || u.replace(/^https:\/\//, '') === pt,
        );
        list.warn(
          `${p}.predicateType`,
          `"${pt}" is neither a cosign shorthand nor a URI: no attestation cosign or vouch produces carries it, so this authority can never pass`,
          guess
            ? `use "${guess}"`
            : `use a shorthand (${Object.keys(PREDICATE_SHORTHANDS).join(', ')}) or the full predicate URI`,
        );
      }
      lintPolicy(att['policy'], `${p}.policy`);
    });
  });
}

function cueFix(message: string, source: string): string {
  // Real CUE reads `# text` as a definition label and reports the token after it, not the comment.
  if (message.includes('comments start with //') || /^\s*# /m.test(source))
    return 'replace `# …` comment lines with `// …`';
  if (message.includes('time.Now'))
    return "time.Now() exists only in vouch's built-in engine (--cue auto); for policy-controller compare against a fixed time.Parse(time.RFC3339, …)";
  if (message.includes('not found')) return 'define the referenced field or add the missing import';
  return 'fix the CUE syntax; check it with `cue vet policy.cue statement.json`';
}
