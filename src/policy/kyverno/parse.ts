import {
  isObj,
  type Obj,
  optArray,
  optBool,
  optEnum,
  optInt,
  optString,
  optStringArray,
  optStringMap,
  readObject,
  reqString,
} from '../field-reader.js';
import type { IssueList } from '../issues.js';
import { parseLabelSelector } from '../label-selector.js';
import { spkiSha256, splitPem } from '../public-key.js';
import { regexpMatcher, type StringMatcher } from '../string-matcher.js';
import { hasWildcard } from './wildcard.js';
import {
  type Attestor,
  type AttestorSet,
  CONDITION_OPERATORS,
  type Condition,
  type ConditionBlock,
  type ConditionOperator,
  DEFAULT_AUTOGEN,
  type FailureAction,
  type ImageVerification,
  type KyvernoAttestation,
  type KyvernoPolicy,
  type KyvernoRule,
  type ResourceFilter,
  type ResourceFilterSet,
  type TlogOptions,
} from './model.js';

const SPEC_FIELDS = [
  'validationFailureAction',
  'validationFailureActionOverrides',
  'background',
  'rules',
  'failurePolicy',
  'webhookTimeoutSeconds',
  'admission',
  'applyRules',
  'emitWarning',
  'generateExisting',
  'generateExistingOnPolicyUpdate',
  'mutateExistingOnPolicyUpdate',
  'schemaValidation',
  'useServerSideApply',
  'webhookConfiguration',
  'skipBackgroundRequests',
];
const RULE_FIELDS = [
  'name',
  'match',
  'exclude',
  'verifyImages',
  'context',
  'preconditions',
  'celPreconditions',
  'imageExtractors',
  'skipBackgroundRequests',
  'validate',
  'mutate',
  'generate',
  'reportProperties',
];
const METADATA_FIELDS = [
  'name',
  'namespace',
  'labels',
  'annotations',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'finalizers',
  'ownerReferences',
  'managedFields',
  'generateName',
];

/**
 * Validates a Kyverno ClusterPolicy/Policy document; verifyImages rules are narrowed, other rule types
 * (validate, mutate, generate) are reported as outside vouch's scope. Returns undefined on any error.
 */
export function parseKyvernoPolicy(issues: IssueList, doc: Obj): KyvernoPolicy | undefined {
  readObject(issues, doc, '', ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const kind = doc['kind'] as KyvernoPolicy['kind'];
  const meta = readObject(issues, doc['metadata'], 'metadata', METADATA_FIELDS);
  const name = (meta && reqString(issues, meta, 'name', 'metadata')) || '';
  const namespace = meta ? optString(issues, meta, 'namespace', 'metadata') : undefined;
  const annotations = meta ? (optStringMap(issues, meta, 'annotations', 'metadata') ?? {}) : {};
  const spec = readObject(issues, doc['spec'], 'spec', SPEC_FIELDS);
  if (!spec) return undefined;
  // Kyverno accepts the legacy lowercase spellings and normalises them.
  const rawAction = optString(issues, spec, 'validationFailureAction', 'spec');
  const validationFailureAction =
    normaliseAction(issues, rawAction, 'spec.validationFailureAction') ?? 'Audit';
  const background = optBool(issues, spec, 'background', 'spec') ?? true;
  const admission = optBool(issues, spec, 'admission', 'spec') ?? true;
  // Kyverno's policy validation: a policy with admission off runs only in background scans, which
  // Kyverno allows for validate rules alone; vouch is an admission controller, so such a policy would
  // silently never run here either.
  if (!admission && !background)
    issues.error('spec.admission', 'disabling both admission and background processing is not allowed');
  else if (
    !admission &&
    Array.isArray(spec['rules']) &&
    spec['rules'].some((r) => isObj(r) && r['verifyImages'] !== undefined)
  )
    issues.error(
      'spec.admission',
      'disabling admission processing is only allowed with validation policies',
      'remove `admission: false`',
    );

  const actionOverrides: KyvernoPolicy['actionOverrides'][number][] = [];
  for (const [i, ov] of (
    optArray(issues, spec, 'validationFailureActionOverrides', 'spec') ?? []
  ).entries()) {
    const p = `spec.validationFailureActionOverrides[${i}]`;
    const o = readObject(issues, ov, p, ['action', 'namespaces', 'namespaceSelector']);
    if (!o) continue;
    const action = normaliseAction(issues, optString(issues, o, 'action', p), `${p}.action`);
    const namespaces = optStringArray(issues, o, 'namespaces', p) ?? [];
    const namespaceSelector =
      o['namespaceSelector'] === undefined
        ? undefined
        : parseLabelSelector(issues, o['namespaceSelector'], `${p}.namespaceSelector`);
    if (action)
      actionOverrides.push({ action, namespaces, ...(namespaceSelector ? { namespaceSelector } : {}) });
  }

  const autogenAnn = annotations['pod-policies.kyverno.io/autogen-controllers'];
  const autogenControllers =
    autogenAnn === undefined
      ? DEFAULT_AUTOGEN
      : autogenAnn === 'none'
        ? []
        : autogenAnn
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);

  const rules: KyvernoRule[] = [];
  const ruleList = optArray(issues, spec, 'rules', 'spec');
  if (!ruleList || ruleList.length === 0) issues.error('spec.rules', 'a policy needs at least one rule');
  const seen = new Set<string>();
  for (const [i, r] of (ruleList ?? []).entries()) {
    const p = `spec.rules[${i}]`;
    const o = readObject(issues, r, p, RULE_FIELDS);
    if (!o) continue;
    const rname = reqString(issues, o, 'name', p) ?? '';
    if (seen.has(rname)) issues.error(`${p}.name`, `duplicate rule name "${rname}"`);
    seen.add(rname);
    if (rname.length > 63) issues.error(`${p}.name`, 'must be no more than 63 characters');
    const match = o['match'] === undefined ? undefined : parseFilterSet(issues, o['match'], `${p}.match`);
    if (!match) issues.error(`${p}.match`, 'missing field(s): a rule must match resources');
    const exclude =
      o['exclude'] === undefined ? undefined : parseFilterSet(issues, o['exclude'], `${p}.exclude`);
    // Kyverno's policy validation (validateWildcard) refuses kind "*" in a verifyImages rule: "wildcard
    // policy does not support rule type". Loading it would verify images on objects Kyverno never would.
    if (o['verifyImages'] !== undefined) {
      for (const kp of wildcardKindPaths(o, p))
        issues.error(
          kp,
          'wildcard policy does not support rule type: kind "*" cannot select resources for verifyImages',
          'name the kinds, e.g. kinds: [Pod]',
        );
    }
    for (const k of ['context', 'preconditions', 'celPreconditions', 'imageExtractors']) {
      if (o[k] !== undefined)
        issues.error(
          `${p}.${k}`,
          `${k} is not supported by vouch`,
          'remove it or evaluate this rule with Kyverno',
        );
    }
    const verifyImages: ImageVerification[] = [];
    for (const [j, iv] of (optArray(issues, o, 'verifyImages', p) ?? []).entries()) {
      const v = parseImageVerification(issues, iv, `${p}.verifyImages[${j}]`);
      if (v) verifyImages.push(v);
    }
    if (o['verifyImages'] === undefined) {
      issues.warn(p, 'not a verifyImages rule; vouch evaluates only verifyImages and ignores this rule');
      continue;
    }
    if (match) rules.push({ name: rname, path: p, match, ...(exclude ? { exclude } : {}), verifyImages });
  }
  if (issues.hasErrors) return undefined;
  return {
    engine: 'kyverno',
    kind,
    name,
    ...(kind === 'Policy' ? { namespace: namespace ?? 'default' } : {}),
    source: issues.source,
    validationFailureAction,
    actionOverrides,
    autogenControllers,
    rules,
  };
}

/** Field paths of the `kinds` lists containing "*" in a rule's match and exclude blocks (legacy, any, all). */
function wildcardKindPaths(rule: Obj, path: string): string[] {
  const out: string[] = [];
  const check = (filter: unknown, fp: string): void => {
    const res = isObj(filter) && isObj(filter['resources']) ? filter['resources'] : undefined;
    if (res && Array.isArray(res['kinds']) && res['kinds'].includes('*')) out.push(`${fp}.resources.kinds`);
  };
  for (const block of ['match', 'exclude']) {
    const b = rule[block];
    if (!isObj(b)) continue;
    check(b, `${path}.${block}`);
    for (const set of ['any', 'all']) {
      const list = b[set];
      if (!Array.isArray(list)) continue;
      for (const [j, f] of list.entries()) check(f, `${path}.${block}.${set}[${j}]`);
    }
  }
  return out;
}

function normaliseAction(
  issues: IssueList,
  raw: string | undefined,
  path: string,
): FailureAction | undefined {
  if (raw === undefined) return undefined;
  const lower = raw.toLowerCase();
  if (lower === 'audit') return 'Audit';
  if (lower === 'enforce') return 'Enforce';
  issues.error(path, `Unsupported value: "${raw}": supported values: "Audit", "Enforce"`);
  return undefined;
}

function parseFilterSet(issues: IssueList, v: unknown, path: string): ResourceFilterSet | undefined {
  const o = readObject(issues, v, path, ['any', 'all', 'resources', 'subjects', 'roles', 'clusterRoles']);
  if (!o) return undefined;
  const any = (optArray(issues, o, 'any', path) ?? []).map((f, i) =>
    parseFilter(issues, f, `${path}.any[${i}]`),
  );
  const all = (optArray(issues, o, 'all', path) ?? []).map((f, i) =>
    parseFilter(issues, f, `${path}.all[${i}]`),
  );
  const legacy =
    o['resources'] !== undefined ||
    o['subjects'] !== undefined ||
    o['roles'] !== undefined ||
    o['clusterRoles'] !== undefined;
  if (legacy) {
    if (any.length > 0 || all.length > 0)
      issues.error(path, "can't specify any/all together with resources/subjects/roles");
    // The legacy form is one filter that must hold.
    all.push(parseFilter(issues, o, path));
  }
  const clean = (xs: (ResourceFilter | undefined)[]) =>
    xs.filter((x): x is ResourceFilter => x !== undefined);
  return { any: clean(any), all: clean(all) };
}

function parseFilter(issues: IssueList, v: unknown, path: string): ResourceFilter | undefined {
  const o = readObject(issues, v, path, ['resources', 'subjects', 'roles', 'clusterRoles', 'any', 'all']);
  if (!o) return undefined;
  if (o['any'] !== undefined || o['all'] !== undefined) {
    if (path.endsWith(']')) issues.error(path, 'any/all cannot be nested');
  }
  const r =
    o['resources'] === undefined
      ? {}
      : readObject(issues, o['resources'], `${path}.resources`, [
          'kinds',
          'name',
          'names',
          'namespaces',
          'annotations',
          'selector',
          'namespaceSelector',
          'operations',
        ]);
  if (!r) return undefined;
  const rp = `${path}.resources`;
  const kinds = optStringArray(issues, r, 'kinds', rp) ?? [];
  const names = optStringArray(issues, r, 'names', rp) ?? [];
  const single = optString(issues, r, 'name', rp);
  if (single !== undefined) names.push(single);
  const namespaces = optStringArray(issues, r, 'namespaces', rp) ?? [];
  const operations = optStringArray(issues, r, 'operations', rp) ?? [];
  for (const [i, op] of operations.entries()) {
    if (!['CREATE', 'UPDATE', 'DELETE', 'CONNECT'].includes(op))
      issues.error(`${rp}.operations[${i}]`, `invalid operation "${op}"`);
  }
  const annotations = optStringMap(issues, r, 'annotations', rp);
  const selector =
    r['selector'] === undefined ? undefined : parseLabelSelector(issues, r['selector'], `${rp}.selector`);
  const namespaceSelector =
    r['namespaceSelector'] === undefined
      ? undefined
      : parseLabelSelector(issues, r['namespaceSelector'], `${rp}.namespaceSelector`);
  const subjects = (optArray(issues, o, 'subjects', path) ?? []).map((s) =>
    isObj(s) ? String(s['name'] ?? '') : '',
  );
  const roles = optStringArray(issues, o, 'roles', path) ?? [];
  const clusterRoles = optStringArray(issues, o, 'clusterRoles', path) ?? [];
  const hasUser = subjects.length + roles.length + clusterRoles.length > 0;
  return {
    kinds,
    names,
    namespaces,
    operations,
    ...(annotations ? { annotations } : {}),
    ...(selector ? { selector } : {}),
    ...(namespaceSelector ? { namespaceSelector } : {}),
    ...(hasUser ? { userInfo: { subjects, roles, clusterRoles } } : {}),
  };
}

const IV_FIELDS = [
  'type',
  'image',
  'imageReferences',
  'skipImageReferences',
  'key',
  'roots',
  'subject',
  'issuer',
  'additionalExtensions',
  'attestors',
  'attestations',
  'annotations',
  'repository',
  'mutateDigest',
  'verifyDigest',
  'validate',
  'required',
  'imageRegistryCredentials',
  'useCache',
  'failureAction',
  'cosignOCI11',
];

function parseImageVerification(issues: IssueList, v: unknown, path: string): ImageVerification | undefined {
  const o = readObject(issues, v, path, IV_FIELDS);
  if (!o) return undefined;
  const type = optEnum(issues, o, 'type', path, ['Cosign', 'SigstoreBundle', 'Notary'] as const) ?? 'Cosign';
  if (type === 'Notary') {
    issues.error(
      `${path}.type`,
      'type Notary is not supported by vouch (Notation signatures cannot be verified)',
      'use type: Cosign, or verify Notary images with Kyverno',
    );
  }
  for (const k of [
    'image',
    'key',
    'roots',
    'subject',
    'issuer',
    'additionalExtensions',
    'annotations',
    'validate',
  ]) {
    if (o[k] !== undefined) {
      issues.error(
        `${path}.${k}`,
        `${k} is deprecated in kyverno.io/v1 verifyImages and not supported by vouch`,
        k === 'validate' ? 'use attestations[].conditions' : 'use attestors[].entries[] instead',
      );
    }
  }
  const imageReferences = optStringArray(issues, o, 'imageReferences', path) ?? [];
  if (imageReferences.length === 0)
    issues.error(
      `${path}.imageReferences`,
      'missing field(s): at least one image pattern',
      'e.g. - "ghcr.io/org/*"',
    );
  const skipImageReferences = optStringArray(issues, o, 'skipImageReferences', path) ?? [];
  const attestors = (optArray(issues, o, 'attestors', path) ?? []).map((a, i) =>
    parseAttestorSet(issues, a, `${path}.attestors[${i}]`, 0),
  );
  const attestations: KyvernoAttestation[] = [];
  for (const [i, a] of (optArray(issues, o, 'attestations', path) ?? []).entries()) {
    const at = parseAttestation(issues, a, `${path}.attestations[${i}]`);
    if (at) attestations.push(at);
  }
  const mutateDigestWritten = o['mutateDigest'] !== undefined;
  const mutateDigest = optBool(issues, o, 'mutateDigest', path) ?? true;
  const verifyDigest = optBool(issues, o, 'verifyDigest', path) ?? true;
  const required = optBool(issues, o, 'required', path) ?? true;
  const useCache = optBool(issues, o, 'useCache', path) ?? true;
  optBool(issues, o, 'cosignOCI11', path);
  const failureAction = normaliseAction(
    issues,
    optString(issues, o, 'failureAction', path),
    `${path}.failureAction`,
  );
  const repository = optString(issues, o, 'repository', path);
  const cleanSets = attestors.filter((a): a is AttestorSet => a !== undefined);
  if (cleanSets.length === 0 && attestations.length === 0) {
    // Kyverno accepts such an entry as a digest-only check (verifyDigest/mutateDigest without any
    // signature). vouch exists to verify who built an image, so it fails closed rather than admit
    // unsigned images under a policy that reads like a verification rule.
    issues.error(
      path,
      'a verifyImages entry without attestors or attestations (a digest-only check) is not supported',
      'add attestors: - entries: - keys|keyless: … so the rule verifies a signature',
    );
  }
  return {
    path,
    type,
    imageReferences,
    skipImageReferences,
    attestors: cleanSets,
    attestations,
    mutateDigest,
    verifyDigest,
    required,
    useCache,
    ...(failureAction ? { failureAction } : {}),
    ...(repository ? { repository } : {}),
    mutateDigestWritten,
  };
}

function parseAttestorSet(
  issues: IssueList,
  v: unknown,
  path: string,
  depth: number,
): AttestorSet | undefined {
  const o = readObject(issues, v, path, ['count', 'entries']);
  if (!o) return undefined;
  const count = optInt(issues, o, 'count', path, 1);
  const entries: Attestor[] = [];
  const list = optArray(issues, o, 'entries', path) ?? [];
  if (list.length === 0) issues.error(`${path}.entries`, 'missing field(s): at least one attestor entry');
  for (const [i, e] of list.entries())
    entries.push(...parseAttestor(issues, e, `${path}.entries[${i}]`, depth));
  if (count !== undefined && count > list.length) {
    issues.error(
      `${path}.count`,
      `count ${count} is more than the ${list.length} entries`,
      `lower count to at most ${list.length}`,
    );
  }
  // A multi-key `publicKeys` expands into one entry per key; count still applies to the written entries,
  // so an unset count stays "all".
  return { path, ...(count !== undefined ? { count } : {}), entries };
}

function parseAttestor(issues: IssueList, v: unknown, path: string, depth: number): Attestor[] {
  const o = readObject(issues, v, path, [
    'keys',
    'keyless',
    'certificates',
    'attestor',
    'annotations',
    'repository',
    'signatureAlgorithm',
  ]);
  if (!o) return [];
  const repository = optString(issues, o, 'repository', path);
  const base = { path, ...(repository ? { repository } : {}) };
  if (o['annotations'] !== undefined)
    issues.error(`${path}.annotations`, 'annotation constraints are not supported by vouch');
  const present = (['keys', 'keyless', 'certificates', 'attestor'] as const).filter(
    (k) => o[k] !== undefined && o[k] !== null,
  );
  if (present.length !== 1) {
    issues.error(
      path,
      present.length === 0
        ? 'one of keys, keyless, certificates or attestor is required'
        : `only one of ${present.join(', ')} may be set`,
    );
    return [];
  }
  switch (present[0]) {
    case 'keys': {
      const p = `${path}.keys`;
      const k = readObject(issues, o['keys'], p, [
        'publicKeys',
        'signatureAlgorithm',
        'kms',
        'secret',
        'rekor',
        'ctlog',
      ]);
      if (!k) return [];
      const signatureAlgorithm =
        optEnum(issues, k, 'signatureAlgorithm', p, ['sha224', 'sha256', 'sha384', 'sha512'] as const) ??
        'sha256';
      const rekor = parseRekor(issues, k, p);
      const ignoreSct = parseCtlog(issues, k, p);
      const pk = optString(issues, k, 'publicKeys', p);
      const kms = optString(issues, k, 'kms', p);
      const secret =
        k['secret'] === undefined
          ? undefined
          : readObject(issues, k['secret'], `${p}.secret`, ['name', 'namespace']);
      const common = { ...base, kind: 'keys' as const, signatureAlgorithm, rekor, ignoreSct };
      if (pk !== undefined) {
        if (pk.startsWith('k8s://')) return [{ ...common, keyRef: pk }];
        const blocks = splitPem(pk);
        if (blocks.length === 0) {
          issues.error(
            `${p}.publicKeys`,
            'invalid value: not a PEM public key',
            'paste the PEM from cosign.pub',
          );
          return [];
        }
        const out: Attestor[] = [];
        for (const b of blocks) {
          const fp = spkiSha256(b);
          if (!fp) issues.error(`${p}.publicKeys`, 'invalid value: a PEM block is not a public key');
          else out.push({ ...common, publicKey: { pem: b, spkiSha256: fp } });
        }
        return out;
      }
      if (kms !== undefined) return [{ ...common, keyRef: kms }];
      if (secret) {
        const n = reqString(issues, secret, 'name', `${p}.secret`);
        const ns = reqString(issues, secret, 'namespace', `${p}.secret`);
        return n && ns ? [{ ...common, keyRef: `k8s://${ns}/${n}` }] : [];
      }
      issues.error(p, 'one of publicKeys, kms or secret is required');
      return [];
    }
    case 'keyless': {
      const p = `${path}.keyless`;
      const k = readObject(issues, o['keyless'], p, [
        'rekor',
        'ctlog',
        'issuer',
        'issuerRegExp',
        'subject',
        'subjectRegExp',
        'roots',
        'additionalExtensions',
      ]);
      if (!k) return [];
      const issuer = keylessField(issues, k, p, 'issuer');
      const subject = keylessField(issues, k, p, 'subject');
      const roots = optString(issues, k, 'roots', p);
      const additionalExtensions = optStringMap(issues, k, 'additionalExtensions', p) ?? {};
      const known = [
        'githubWorkflowTrigger',
        'githubWorkflowSha',
        'githubWorkflowName',
        'githubWorkflowRepository',
        'githubWorkflowRef',
      ];
      for (const key of Object.keys(additionalExtensions)) {
        if (!known.includes(key))
          issues.error(
            `${p}.additionalExtensions.${key}`,
            `unknown extension "${key}"`,
            `use one of ${known.join(', ')}`,
          );
      }
      const rekor = parseRekor(issues, k, p);
      const ignoreSct = parseCtlog(issues, k, p);
      if (!issuer || !subject) return [];
      return [
        {
          ...base,
          kind: 'keyless',
          issuer,
          subject,
          ...(roots ? { roots } : {}),
          additionalExtensions,
          rekor,
          ignoreSct,
        },
      ];
    }
    case 'certificates': {
      const p = `${path}.certificates`;
      const c = readObject(issues, o['certificates'], p, ['cert', 'certChain', 'rekor', 'ctlog']);
      if (!c) return [];
      const cert = optString(issues, c, 'cert', p);
      const certChain = optString(issues, c, 'certChain', p);
      const rekor = parseRekor(issues, c, p);
      const ignoreSct = parseCtlog(issues, c, p);
      if (!cert && !certChain) issues.error(p, 'one of cert or certChain is required');
      return [
        {
          ...base,
          kind: 'certificates',
          ...(cert ? { cert } : {}),
          ...(certChain ? { certChain } : {}),
          rekor,
          ignoreSct,
        },
      ];
    }
    case 'attestor': {
      if (depth >= 4) {
        issues.error(`${path}.attestor`, 'attestors nest more than 4 levels');
        return [];
      }
      const set = parseAttestorSet(issues, o['attestor'], `${path}.attestor`, depth + 1);
      return set ? [{ ...base, kind: 'nested', set }] : [];
    }
  }
  return [];
}

function keylessField(
  issues: IssueList,
  o: Obj,
  path: string,
  f: 'issuer' | 'subject',
): StringMatcher | undefined {
  const exact = optString(issues, o, f, path);
  const re = optString(issues, o, `${f}RegExp`, path);
  if (exact !== undefined && re !== undefined) {
    issues.error(path, `only one of ${f} or ${f}RegExp may be set`);
    return undefined;
  }
  if (re !== undefined) return regexpMatcher(issues, re, `${path}.${f}RegExp`);
  if (exact === undefined || exact === '') {
    // Kyverno accepts a missing issuer or subject; it then trusts any value, which lint flags.
    return { kind: 'any' };
  }
  return hasWildcard(exact) ? { kind: 'wildcard', pattern: exact } : { kind: 'exact', value: exact };
}

function parseRekor(issues: IssueList, o: Obj, path: string): TlogOptions {
  if (o['rekor'] === undefined) return { ignoreTlog: false };
  const r = readObject(issues, o['rekor'], `${path}.rekor`, ['url', 'pubkey', 'ignoreTlog', 'tsaCertChain']);
  if (!r) return { ignoreTlog: false };
  const url = optString(issues, r, 'url', `${path}.rekor`);
  const ignoreTlog = optBool(issues, r, 'ignoreTlog', `${path}.rekor`) ?? false;
  return { ...(url ? { url } : {}), ignoreTlog };
}

function parseCtlog(issues: IssueList, o: Obj, path: string): boolean {
  if (o['ctlog'] === undefined) return false;
  const c = readObject(issues, o['ctlog'], `${path}.ctlog`, ['ignoreSCT', 'pubkey', 'tsaCertChain']);
  return c ? (optBool(issues, c, 'ignoreSCT', `${path}.ctlog`) ?? false) : false;
}

function parseAttestation(issues: IssueList, v: unknown, path: string): KyvernoAttestation | undefined {
  const o = readObject(issues, v, path, ['name', 'type', 'predicateType', 'attestors', 'conditions']);
  if (!o) return undefined;
  const name = optString(issues, o, 'name', path);
  const type = optString(issues, o, 'type', path);
  const predicateType = optString(issues, o, 'predicateType', path);
  if (type && predicateType && type !== predicateType)
    issues.error(path, 'type and predicateType differ; set only type');
  const pt = type ?? predicateType;
  if (!pt) issues.error(`${path}.type`, 'missing field(s): the predicate type URI');
  const attestors = (optArray(issues, o, 'attestors', path) ?? [])
    .map((a, i) => parseAttestorSet(issues, a, `${path}.attestors[${i}]`, 0))
    .filter((a): a is AttestorSet => a !== undefined);
  const conditions: ConditionBlock[] = [];
  for (const [i, c] of (optArray(issues, o, 'conditions', path) ?? []).entries()) {
    const p = `${path}.conditions[${i}]`;
    const co = readObject(issues, c, p, ['any', 'all']);
    if (!co) continue;
    const any = (optArray(issues, co, 'any', p) ?? []).map((x, j) =>
      parseCondition(issues, x, `${p}.any[${j}]`),
    );
    const all = (optArray(issues, co, 'all', p) ?? []).map((x, j) =>
      parseCondition(issues, x, `${p}.all[${j}]`),
    );
    const ok = (xs: (Condition | undefined)[]) => xs.filter((x): x is Condition => x !== undefined);
    conditions.push({ any: ok(any), all: ok(all) });
  }
  if (!pt) return undefined;
  return { path, ...(name ? { name } : {}), predicateType: pt, attestors, conditions };
}

function parseCondition(issues: IssueList, v: unknown, path: string): Condition | undefined {
  const o = readObject(issues, v, path, ['key', 'operator', 'value', 'message']);
  if (!o) return undefined;
  const op = optString(issues, o, 'operator', path);
  if (op === undefined) {
    issues.error(`${path}.operator`, 'missing field(s)');
    return undefined;
  }
  if (!(CONDITION_OPERATORS as readonly string[]).includes(op)) {
    issues.error(
      `${path}.operator`,
      `unsupported operator "${op}"`,
      `use one of ${CONDITION_OPERATORS.join(', ')}`,
    );
    return undefined;
  }
  if (!('key' in o)) issues.error(`${path}.key`, 'missing field(s)');
  const message = optString(issues, o, 'message', path);
  return {
    path,
    key: o['key'],
    operator: op as ConditionOperator,
    value: o['value'],
    ...(message ? { message } : {}),
  };
}
