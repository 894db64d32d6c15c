import {
  isObj,
  kindOf,
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
import {
  analyseExpression,
  expressionProblem,
  jsonDepth,
  templateExpressions,
  unknowableRead,
  VALUE_NESTING_MAX,
} from './variables.js';
import { hasWildcard } from './wildcard.js';
import {
  extractorPathProblem,
  type ImageExtractor,
  type ImageExtractorConfigs,
  imageExtractor,
} from '../workload-images.js';
import {
  type Attestor,
  type AttestorSet,
  CONDITION_OPERATORS,
  type Condition,
  type ConditionBlock,
  type ConditionOperator,
  type ContextEntry,
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
  // v2beta1 has the same verifyImages shape without v1's deprecated single-key fields, and match/exclude
  // take only any/all; the loader sends only these two versions here.
  const apiVersion: KyvernoPolicy['apiVersion'] =
    doc['apiVersion'] === 'kyverno.io/v2beta1' ? 'kyverno.io/v2beta1' : 'kyverno.io/v1';
  const v = { apiVersion };
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
    const match = o['match'] === undefined ? undefined : parseFilterSet(issues, o['match'], `${p}.match`, v);
    if (!match) issues.error(`${p}.match`, 'missing field(s): a rule must match resources');
    const exclude =
      o['exclude'] === undefined ? undefined : parseFilterSet(issues, o['exclude'], `${p}.exclude`, v);
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
    if (o['celPreconditions'] !== undefined)
      issues.error(
        `${p}.celPreconditions`,
        'celPreconditions is not supported by vouch',
        'remove it or evaluate this rule with Kyverno',
      );
    const imageExtractors =
      o['imageExtractors'] === undefined
        ? undefined
        : parseImageExtractors(issues, o['imageExtractors'], `${p}.imageExtractors`);
    // Kyverno fills the `images` variable from a rule's extractors; vouch's holds pod-spec images only,
    // so a rule reading it next to imageExtractors would see other images than Kyverno's: refused.
    if (
      imageExtractors !== undefined &&
      jsonDepth([o['preconditions'], o['context'], o['verifyImages']]) <= VALUE_NESTING_MAX &&
      templateExpressions([o['preconditions'], o['context'], o['verifyImages']]).some((e) => {
        const a = analyseExpression(e);
        return a.ok && a.roots.some((r) => r[0] === 'images');
      })
    )
      issues.error(
        `${p}.imageExtractors`,
        'a rule with imageExtractors that reads the images variable is not supported by vouch: its images variable describes pod-spec images only',
        'read request.object instead, or evaluate this rule with Kyverno',
      );
    if (o['verifyImages'] === undefined) {
      issues.warn(p, 'not a verifyImages rule; vouch evaluates only verifyImages and ignores this rule');
      continue;
    }
    const context = parseContext(issues, o['context'], `${p}.context`);
    const names = new Set(context.map((c) => c.name));
    const preconditions =
      o['preconditions'] === undefined
        ? undefined
        : parsePreconditions(issues, o['preconditions'], `${p}.preconditions`, names, v);
    const verifyImages: ImageVerification[] = [];
    for (const [j, iv] of (optArray(issues, o, 'verifyImages', p) ?? []).entries()) {
      const entry = parseImageVerification(issues, iv, `${p}.verifyImages[${j}]`, { ...v, names });
      if (entry) verifyImages.push(entry);
    }
    const templates = verifyImages.flatMap((e) => [
      ...templateAttestors(e.attestors),
      ...e.attestations.flatMap((a) => templateAttestors(a.attestors)),
    ]);
    const readsRequest =
      preconditions !== undefined ||
      context.some(
        (c) => c.kind === 'variable' || readsRequestIn([c.configMap.name, c.configMap.namespace]),
      ) ||
      readsRequestIn(templates.map((t) => t.raw)) ||
      verifyImages.some((e) => e.attestations.some((a) => conditionsReadRequest(a.conditions)));
    if (match)
      rules.push({
        name: rname,
        path: p,
        match,
        ...(exclude ? { exclude } : {}),
        context,
        ...(preconditions ? { preconditions } : {}),
        readsRequest,
        templated: templates.length > 0,
        ...(imageExtractors ? { imageExtractors } : {}),
        verifyImages,
      });
  }
  if (issues.hasErrors) return undefined;
  return {
    engine: 'kyverno',
    apiVersion,
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

function parseFilterSet(
  issues: IssueList,
  v: unknown,
  path: string,
  version: Version,
): ResourceFilterSet | undefined {
  // kyverno.io/v2beta1 MatchResources has only any/all: the legacy single-filter form is unknown there.
  const o = readObject(
    issues,
    v,
    path,
    version.apiVersion === 'kyverno.io/v2beta1'
      ? ['any', 'all']
      : ['any', 'all', 'resources', 'subjects', 'roles', 'clusterRoles'],
  );
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

/** v1's deprecated single-key fields, which `ImageVerification.Convert()` turns into current ones. */
const DEPRECATED_IV_FIELDS = [
  'image',
  'key',
  'roots',
  'subject',
  'issuer',
  'additionalExtensions',
  'annotations',
  'validate',
];

function parseImageVerification(
  issues: IssueList,
  v: unknown,
  path: string,
  version: ParseScope,
): ImageVerification | undefined {
  const o = readObject(
    issues,
    v,
    path,
    version.apiVersion === 'kyverno.io/v2beta1'
      ? IV_FIELDS.filter((f) => !DEPRECATED_IV_FIELDS.includes(f))
      : IV_FIELDS,
  );
  if (!o) return undefined;
  const type = optEnum(issues, o, 'type', path, ['Cosign', 'SigstoreBundle', 'Notary'] as const) ?? 'Cosign';
  if (type === 'Notary') {
    issues.error(
      `${path}.type`,
      'type Notary is not supported by vouch (Notation signatures cannot be verified)',
      'use type: Cosign, or verify Notary images with Kyverno',
    );
  }
  for (const k of ['annotations', 'validate']) {
    if (o[k] !== undefined) {
      issues.error(
        `${path}.${k}`,
        `${k} is deprecated in kyverno.io/v1 verifyImages and not supported by vouch`,
        k === 'validate' ? 'use attestations[].conditions' : 'use attestors[].entries[] instead',
      );
    }
  }
  const imageReferences = optStringArray(issues, o, 'imageReferences', path) ?? [];
  // Convert(): the deprecated `image` is appended to imageReferences.
  const image = optString(issues, o, 'image', path);
  if (image) imageReferences.push(image);
  if (imageReferences.length === 0)
    issues.error(
      `${path}.imageReferences`,
      'missing field(s): at least one image pattern',
      'e.g. - "ghcr.io/org/*"',
    );
  const skipImageReferences = optStringArray(issues, o, 'skipImageReferences', path) ?? [];
  const attestors = (optArray(issues, o, 'attestors', path) ?? []).map((a, i) =>
    parseAttestorSet(issues, a, `${path}.attestors[${i}]`, 0, version),
  );
  const attestations: KyvernoAttestation[] = [];
  for (const [i, a] of (optArray(issues, o, 'attestations', path) ?? []).entries()) {
    const at = parseAttestation(issues, a, `${path}.attestations[${i}]`, version);
    if (at) attestations.push(at);
  }
  const converted = deprecatedAttestorSet(issues, o, path, attestations.length > 0, version);
  if (converted) attestors.push(converted);
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
  // An entry that wrote a deprecated key or identity already has its error there.
  const wroteSigner = ['key', 'issuer', 'subject', 'roots'].some((k) => o[k] !== undefined);
  if (cleanSets.length === 0 && attestations.length === 0 && !wroteSigner) {
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
  scope: AttestorScope,
): AttestorSet | undefined {
  const o = readObject(issues, v, path, ['count', 'entries']);
  if (!o) return undefined;
  const count = optInt(issues, o, 'count', path, 1);
  const entries: Attestor[] = [];
  const list = optArray(issues, o, 'entries', path) ?? [];
  if (list.length === 0) issues.error(`${path}.entries`, 'missing field(s): at least one attestor entry');
  for (const [i, e] of list.entries())
    entries.push(...parseAttestor(issues, e, `${path}.entries[${i}]`, depth, scope));
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

/**
 * What attestor entries may read: the rule's context variable names at load; undefined when an entry
 * is parsed again after substitution, where `{{ … }}` left in the result is refused (no second pass).
 */
interface AttestorScope {
  readonly names?: ReadonlySet<string>;
}

/**
 * One attestor entry. An entry with `{{ … }}` anywhere is kept as written (a `template`): its
 * variables are substituted per request and the result parsed by this same function.
 */
export function parseAttestor(
  issues: IssueList,
  v: unknown,
  path: string,
  depth: number,
  scope: AttestorScope,
): Attestor[] {
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
  if (templateExpressions(o).length > 0) {
    if (scope.names === undefined) {
      issues.error(
        path,
        'a substituted value holds {{ … }} again: vouch substitutes once and does not evaluate data as a template',
      );
      return [];
    }
    if (!checkTemplate(issues, o, path, scope.names)) return [];
    return [{ path, kind: 'template', raw: o, depth }];
  }
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
      if (pk !== undefined) return keyAttestors(issues, pk, `${p}.publicKeys`, common);
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
      const set = parseAttestorSet(issues, o['attestor'], `${path}.attestor`, depth + 1, scope);
      return set ? [{ ...base, kind: 'nested', set }] : [];
    }
  }
  return [];
}

type KeysAttestor = Extract<Attestor, { kind: 'keys' }>;

/** `publicKeys` (or the deprecated `key`): a `k8s://` reference, or one entry per PEM block. */
function keyAttestors(
  issues: IssueList,
  pk: string,
  path: string,
  common: Omit<KeysAttestor, 'publicKey' | 'keyRef'>,
): Attestor[] {
  if (pk.startsWith('k8s://')) return [{ ...common, keyRef: pk }];
  const blocks = splitPem(pk);
  if (blocks.length === 0) {
    issues.error(path, 'invalid value: not a PEM public key', 'paste the PEM from cosign.pub');
    return [];
  }
  const out: Attestor[] = [];
  for (const b of blocks) {
    const fp = spkiSha256(b);
    if (!fp) issues.error(path, 'invalid value: a PEM block is not a public key');
    else out.push({ ...common, publicKey: { pem: b, spkiSha256: fp } });
  }
  return out;
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

function parseAttestation(
  issues: IssueList,
  v: unknown,
  path: string,
  scope: AttestorScope,
): KyvernoAttestation | undefined {
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
    .map((a, i) => parseAttestorSet(issues, a, `${path}.attestors[${i}]`, 0, scope))
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

type Version = Pick<KyvernoPolicy, 'apiVersion'>;
type ParseScope = Version & { readonly names: ReadonlySet<string> };

/**
 * v1's deprecated `key` or `issuer`/`subject`/`roots` as Kyverno's `ImageVerification.Convert()` maps
 * them: one attestor set with one entry, `keys.publicKeys: key` or `keyless: {issuer, subject, roots}`.
 * Where Convert() would silently drop a constraint the author wrote, vouch refuses instead.
 */
function deprecatedAttestorSet(
  issues: IssueList,
  o: Obj,
  path: string,
  hasAttestations: boolean,
  scope: ParseScope,
): AttestorSet | undefined {
  const key = optString(issues, o, 'key', path);
  const issuer = optString(issues, o, 'issuer', path);
  const subject = optString(issues, o, 'subject', path);
  const roots = optString(issues, o, 'roots', path);
  if (o['additionalExtensions'] !== undefined) {
    issues.error(
      `${path}.additionalExtensions`,
      "additionalExtensions on verifyImages is dropped by Kyverno's conversion of the deprecated fields: not supported by vouch, which will not ignore it",
      'move it to attestors[].entries[].keyless.additionalExtensions',
    );
  }
  if (!key && !issuer) {
    for (const [k, val] of [
      ['subject', subject],
      ['roots', roots],
    ] as const) {
      if (val)
        issues.error(
          `${path}.${k}`,
          `${k} without issuer is ignored by Kyverno's conversion of the deprecated fields: not supported by vouch, which will not ignore it`,
          'write attestors: - entries: - keyless: { issuer, subject, roots }',
        );
    }
    return undefined;
  }
  if (key && issuer) {
    issues.error(
      `${path}.issuer`,
      "key and issuer together: Kyverno's conversion keeps only the key and ignores issuer/subject/roots; not supported by vouch",
      'write the key and the keyless identity as separate attestors[].entries',
    );
    return undefined;
  }
  if (hasAttestations) {
    // Convert() appends the converted attestor to each attestation's copy, then overwrites those copies
    // with the originals: the key ends up verifying nothing. Refuse rather than guess which was meant.
    issues.error(
      `${path}.${key ? 'key' : 'issuer'}`,
      "the deprecated key/issuer with attestations: Kyverno's conversion attaches it to neither the image nor the attestations; not supported by vouch",
      'write attestations[].attestors (or attestors) with entries instead',
    );
    return undefined;
  }
  const rekor = { ignoreTlog: false };
  // Written with variables (`key: '{{ keys.data.org }}'`): the entry Convert() builds, kept as a template.
  if (key?.includes('{{')) {
    const p = `${path}.key`;
    const entries = parseAttestor(issues, { keys: { publicKeys: key } }, p, 0, scope);
    return entries.length > 0 ? { path: p, entries } : undefined;
  }
  if ([issuer, subject, roots].some((x) => x?.includes('{{'))) {
    const p = `${path}.issuer`;
    const keyless = {
      issuer,
      ...(subject !== undefined ? { subject } : {}),
      ...(roots !== undefined ? { roots } : {}),
    };
    const entries = parseAttestor(issues, { keyless }, p, 0, scope);
    return entries.length > 0 ? { path: p, entries } : undefined;
  }
  if (key) {
    const p = `${path}.key`;
    const entries = keyAttestors(issues, key, p, {
      path: p,
      kind: 'keys',
      signatureAlgorithm: 'sha256',
      rekor,
      ignoreSct: false,
    });
    return entries.length > 0 ? { path: p, entries } : undefined;
  }
  const p = `${path}.issuer`;
  const id: Obj = { issuer, ...(subject !== undefined ? { subject } : {}) };
  const issuerM = keylessField(issues, id, path, 'issuer');
  const subjectM = keylessField(issues, id, path, 'subject');
  if (!issuerM || !subjectM) return undefined;
  return {
    path: p,
    entries: [
      {
        path: p,
        kind: 'keyless',
        issuer: issuerM,
        subject: subjectM,
        ...(roots ? { roots } : {}),
        additionalExtensions: {},
        rekor,
        ignoreSct: false,
      },
    ],
  };
}

/** Names a context variable may have: a JMESPath identifier, so `{{ name }}` can read it. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLUSTER_CONTEXT_TYPES = ['apiCall', 'imageRegistry', 'globalReference'];

/**
 * Rule `context`: `variable` entries are evaluated offline, `configMap` entries read a ConfigMap the
 * caller supplies (`--config-maps`, or the API server in a cluster); the other types are refused.
 */
const EXTRACTOR_FIELDS = ['path', 'value', 'name', 'key', 'jmesPath'];

/** A plain field name for an extractor's `value` or `key`: one object key, no path. */
function extractorFieldProblem(f: string): string | undefined {
  if (f.trim() === '') return 'must not be empty';
  if (f.includes('/')) return 'names one field of the object at path, not a path';
  if (f.includes('*')) return 'names one field; wildcards belong in path';
  return undefined;
}

/**
 * Kyverno `imageExtractors`: kind → list of `{path, value?, name?, key?, jmesPath?}`. Paths are checked
 * as Kyverno normalises them; jmesPath as every other vouch JMESPath (jmespath.js functions only).
 */
function parseImageExtractors(
  issues: IssueList,
  v: unknown,
  path: string,
): ImageExtractorConfigs | undefined {
  if (!isObj(v)) {
    issues.error(path, `expected a map of kind to extractor list, found ${kindOf(v)}`);
    return undefined;
  }
  const out: Record<string, ImageExtractor[]> = {};
  for (const [kind, list] of Object.entries(v)) {
    const kp = `${path}.${kind}`;
    if (kind.trim() === '' || kind.includes('*') || kind.includes('/')) {
      issues.error(kp, `"${kind.slice(0, 64)}" is not a kind`, 'name the kind exactly, e.g. Task');
      continue;
    }
    if (!Array.isArray(list)) {
      issues.error(kp, `expected a list of extractors, found ${kindOf(list)}`);
      continue;
    }
    const entries: ImageExtractor[] = [];
    for (const [i, e] of list.entries()) {
      const ep = `${kp}[${i}]`;
      const o = readObject(issues, e, ep, EXTRACTOR_FIELDS);
      if (!o) continue;
      const p = reqString(issues, o, 'path', ep);
      const value = optString(issues, o, 'value', ep);
      const name = optString(issues, o, 'name', ep);
      const key = optString(issues, o, 'key', ep);
      const jmesPath = optString(issues, o, 'jmesPath', ep);
      let ok = p !== undefined;
      if (p !== undefined) {
        const why = extractorPathProblem(p, value || undefined);
        if (why) {
          issues.error(`${ep}.path`, `"${p.slice(0, 120)}": ${why}`, 'e.g. /spec/containers/*/image');
          ok = false;
        }
      }
      for (const [f, fv] of [
        ['value', value],
        ['key', key],
      ] as const) {
        const why = fv === undefined ? undefined : extractorFieldProblem(fv);
        if (why) {
          issues.error(`${ep}.${f}`, why);
          ok = false;
        }
      }
      if (jmesPath !== undefined) {
        const why = jmesPath.trim() === '' ? 'must not be empty' : expressionProblem(jmesPath);
        if (why) {
          issues.error(`${ep}.jmesPath`, why);
          ok = false;
        }
      }
      if (ok && p !== undefined)
        entries.push(
          imageExtractor({
            path: p,
            ...(value ? { value } : {}),
            ...(name ? { name } : {}),
            ...(key ? { key } : {}),
            ...(jmesPath ? { jmesPath } : {}),
          }),
        );
    }
    out[kind] = entries;
  }
  return out;
}

function parseContext(issues: IssueList, v: unknown, path: string): ContextEntry[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    issues.error(path, `expected a list, found ${typeof v}`);
    return [];
  }
  const out: ContextEntry[] = [];
  const names = new Set<string>();
  for (const [i, e] of v.entries()) {
    const p = `${path}[${i}]`;
    const o = readObject(issues, e, p, ['name', 'variable', 'configMap', ...CLUSTER_CONTEXT_TYPES]);
    if (!o) continue;
    const name = reqString(issues, o, 'name', p);
    for (const k of CLUSTER_CONTEXT_TYPES) {
      if (o[k] !== undefined)
        issues.error(
          `${p}.${k}`,
          `context entries of type ${k} are not supported by vouch: they need a cluster or a registry at admission`,
          'use a variable entry, or evaluate this rule with Kyverno',
        );
    }
    if (o['variable'] !== undefined && o['configMap'] !== undefined) {
      issues.error(p, 'only one of variable or configMap may be set');
      continue;
    }
    if (o['variable'] === undefined && o['configMap'] === undefined) {
      if (!CLUSTER_CONTEXT_TYPES.some((k) => o[k] !== undefined))
        issues.error(
          p,
          'missing field(s): one of variable, configMap, apiCall, imageRegistry, globalReference',
        );
      continue;
    }
    if (name === undefined) continue;
    if (!VARIABLE_NAME.test(name) || name === 'request' || name === 'images') {
      issues.error(
        `${p}.name`,
        `invalid variable name "${name.slice(0, 64)}"`,
        'use letters, digits and _, and not request or images',
      );
      continue;
    }
    if (o['configMap'] !== undefined) {
      const cp = `${p}.configMap`;
      const co = readObject(issues, o['configMap'], cp, ['name', 'namespace']);
      if (!co) continue;
      const cmName = reqString(issues, co, 'name', cp);
      // Kyverno's loader reads an unset namespace as "default".
      const cmNamespace = optString(issues, co, 'namespace', cp) || 'default';
      // The name and namespace may read the request and earlier variables, e.g. {{ request.namespace }}.
      const ok =
        cmName !== undefined &&
        checkTemplate(issues, cmName, `${cp}.name`, names) &&
        checkTemplate(issues, cmNamespace, `${cp}.namespace`, names);
      names.add(name);
      if (ok && cmName !== undefined)
        out.push({ kind: 'configMap', path: p, name, configMap: { name: cmName, namespace: cmNamespace } });
      continue;
    }
    const vp = `${p}.variable`;
    const vo = readObject(issues, o['variable'], vp, ['value', 'jmesPath', 'default']);
    if (!vo) continue;
    const jmesPath = optString(issues, vo, 'jmesPath', vp);
    if (vo['value'] === undefined && jmesPath === undefined && vo['default'] === undefined)
      issues.error(vp, 'missing field(s): one of value, jmesPath or default');
    // A variable may read the admission context and the variables declared before it.
    let ok = true;
    for (const k of ['value', 'default'] as const) {
      if (vo[k] !== undefined && !checkTemplate(issues, vo[k], `${vp}.${k}`, names)) ok = false;
    }
    if (jmesPath !== undefined) {
      // With a value, the expression is applied to the value, not to the context.
      const why =
        vo['value'] !== undefined ? expressionProblem(jmesPath) : unknowableRead(`{{ ${jmesPath} }}`, names);
      if (why) {
        issues.error(`${vp}.jmesPath`, why);
        ok = false;
      }
    }
    names.add(name);
    if (ok)
      out.push({
        kind: 'variable',
        path: p,
        name,
        ...(vo['value'] !== undefined ? { value: vo['value'] } : {}),
        ...(jmesPath !== undefined ? { jmesPath } : {}),
        ...(vo['default'] !== undefined ? { default: vo['default'] } : {}),
      });
  }
  return out;
}

/** Depth-checks a JSON value and refuses `{{ … }}` reads vouch cannot evaluate; false on an error. */
function checkTemplate(issues: IssueList, v: unknown, path: string, names: ReadonlySet<string>): boolean {
  if (jsonDepth(v) > VALUE_NESTING_MAX) {
    issues.error(path, `value nests more than ${VALUE_NESTING_MAX} levels`);
    return false;
  }
  const why = unknowableRead(v, names);
  if (why) {
    issues.error(path, why, 'remove the condition, or evaluate this rule with Kyverno');
    return false;
  }
  return true;
}

/**
 * Rule `preconditions`: `{any, all}`, or (v1 only) a bare list meaning all. Same operators as attestation
 * conditions (v2beta1 drops In/NotIn); every variable must be one vouch knows offline.
 */
function parsePreconditions(
  issues: IssueList,
  v: unknown,
  path: string,
  names: ReadonlySet<string>,
  version: Version,
): ConditionBlock | undefined {
  let block: ConditionBlock | undefined;
  if (Array.isArray(v) && version.apiVersion === 'kyverno.io/v1') {
    block = { any: [], all: parseConditionList(issues, v, path) };
  } else {
    const o = readObject(issues, v, path, ['any', 'all']);
    if (!o) return undefined;
    block = {
      any: parseConditionList(issues, optArray(issues, o, 'any', path) ?? [], `${path}.any`),
      all: parseConditionList(issues, optArray(issues, o, 'all', path) ?? [], `${path}.all`),
    };
  }
  for (const c of [...block.any, ...block.all]) {
    if (version.apiVersion === 'kyverno.io/v2beta1' && (c.operator === 'In' || c.operator === 'NotIn'))
      issues.error(
        `${c.path}.operator`,
        `operator ${c.operator} is not allowed in kyverno.io/v2beta1`,
        `use ${c.operator === 'In' ? 'AllIn or AnyIn' : 'AllNotIn or AnyNotIn'}`,
      );
    checkTemplate(issues, c.key, `${c.path}.key`, names);
    checkTemplate(issues, c.value, `${c.path}.value`, names);
  }
  return block;
}

function parseConditionList(issues: IssueList, list: unknown[], path: string): Condition[] {
  return list
    .map((x, j) => parseCondition(issues, x, `${path}[${j}]`))
    .filter((x): x is Condition => x !== undefined);
}

/**
 * Whether attestation conditions read `request` or `images` (Kyverno's context holds them next to the
 * predicate).
 */
function conditionsReadRequest(blocks: readonly ConditionBlock[]): boolean {
  for (const b of blocks) {
    for (const c of [...b.any, ...b.all]) {
      for (const expr of [...templateExpressions(c.key), ...templateExpressions(c.value)]) {
        const a = analyseExpression(expr);
        if (a.ok && a.roots.some(([first]) => first === 'request' || first === 'images')) return true;
      }
    }
  }
  return false;
}

/** The `template` entries of attestor sets, nested sets included. */
function templateAttestors(sets: readonly AttestorSet[]): Extract<Attestor, { kind: 'template' }>[] {
  return sets.flatMap((s) =>
    s.entries.flatMap((e) =>
      e.kind === 'template' ? [e] : e.kind === 'nested' ? templateAttestors([e.set]) : [],
    ),
  );
}

/** Whether `{{ … }}` in a value reads `request` or `images` (or cannot be analysed: assume it does). */
function readsRequestIn(v: unknown): boolean {
  return templateExpressions(v).some((expr) => {
    const a = analyseExpression(expr);
    return !a.ok || a.roots.some(([first]) => first === 'request' || first === 'images' || first === '@');
  });
}
