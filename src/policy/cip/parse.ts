import { cueSubset } from '../cue/subset.js';
import type { CueEngine } from '../cue/evaluator.js';
import {
  isObj,
  type Obj,
  optArray,
  optBool,
  optEnum,
  optString,
  readObject,
  reqString,
} from '../field-reader.js';
import { compileGlob } from '../glob.js';
import type { IssueList } from '../issues.js';
import { parseLabelSelector } from '../label-selector.js';
import { isCertificatePem, spkiSha256 } from '../public-key.js';
import { regexpMatcher, type StringMatcher } from '../string-matcher.js';
import {
  type CipAttestation,
  type CipAuthority,
  type CipIdentity,
  type CipKeySource,
  type CipMatchResource,
  type CipPolicy,
  type CipVerifier,
  type ClusterImagePolicy,
  PREDICATE_SHORTHANDS,
  PUBLIC_FULCIO,
  type TrustRoot,
} from './model.js';

// policy-controller validation.go: the resources `match[]` may name.
const MATCH_RESOURCES = [
  'pods',
  'deployments',
  'replicasets',
  'daemonsets',
  'statefulsets',
  'jobs',
  'cronjobs',
];
const HASH_ALGORITHMS = ['sha224', 'sha256', 'sha384', 'sha512'];
const KMS_PREFIXES = ['awskms://', 'gcpkms://', 'azurekms://', 'hashivault://', 'k8s://'];
// policy-controller's validateAWSKMS (pkg/apis/policy/common/validation.go) accepts only a key or alias
// ARN, after an optional `host:port` endpoint: bare key IDs and alias names need AWS settings from the
// environment, so the webhook refuses them and so do we.
const AWS_KMS_URI =
  /^awskms:\/\/(?:(?:\[[^\]/]*\]|[^/:[\]]*):[^/:]*)?\/arn:(?:aws|aws-us-gov|aws-cn):kms:[a-z0-9-]+:\d{12}:(?:key\/m?r?k?-?[A-Fa-f0-9]{8}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{4}-?[A-Fa-f0-9]{12}|alias\/.*)$/;
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
  'deletionGracePeriodSeconds',
  'finalizers',
  'ownerReferences',
  'managedFields',
  'generateName',
  'selfLink',
];

/** Reads `metadata.name`, checking metadata's shape. */
export function readMetadataName(issues: IssueList, doc: Obj): string {
  const meta = readObject(issues, doc['metadata'], 'metadata', METADATA_FIELDS);
  const name = meta ? reqString(issues, meta, 'name', 'metadata') : undefined;
  return name ?? '';
}

/**
 * Validates one ClusterImagePolicy document as policy-controller's webhook does, reporting every bad
 * field; returns undefined when any error was recorded.
 */
export function parseClusterImagePolicy(
  issues: IssueList,
  doc: Obj,
  cue: CueEngine = cueSubset,
): ClusterImagePolicy | undefined {
  readObject(issues, doc, '', ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const apiVersion = doc['apiVersion'] as ClusterImagePolicy['apiVersion'];
  const name = readMetadataName(issues, doc);
  const spec = readObject(issues, doc['spec'], 'spec', ['images', 'authorities', 'policy', 'mode', 'match']);
  if (!spec) return undefined;

  const images: (ReturnType<typeof compileGlob> & { ok: true })[] = [];
  const imageList = optArray(issues, spec, 'images', 'spec');
  if (!imageList || imageList.length === 0)
    issues.error('spec.images', 'missing field(s)', 'list at least one `- glob: registry/path/**`');
  for (const [i, im] of (imageList ?? []).entries()) {
    const p = `spec.images[${i}]`;
    const o = readObject(issues, im, p, ['glob']);
    const glob = o ? reqString(issues, o, 'glob', p) : undefined;
    if (glob === undefined) continue;
    const g = compileGlob(glob);
    if (!g.ok) issues.error(`${p}.glob`, g.error, 'use * within a path segment and ** across segments');
    else images.push(g);
  }

  const authorities: CipAuthority[] = [];
  const authList = optArray(issues, spec, 'authorities', 'spec');
  if (!authList || authList.length === 0) {
    issues.error(
      'spec.authorities',
      'missing field(s)',
      'add at least one authority: key, keyless or static',
    );
  }
  for (const [i, a] of (authList ?? []).entries()) {
    const au = parseAuthority(issues, a, `spec.authorities[${i}]`, i, cue);
    if (au) authorities.push(au);
  }
  const names = authorities.map((a) => a.name);
  for (const [i, n] of names.entries()) {
    if (names.indexOf(n) !== i)
      issues.error(`spec.authorities[${i}].name`, `duplicate authority name "${n}"`);
  }

  const policy =
    spec['policy'] === undefined ? undefined : parsePolicy(issues, spec['policy'], 'spec.policy', cue);
  const mode = optEnum(issues, spec, 'mode', 'spec', ['enforce', 'warn'] as const) ?? 'enforce';

  const match: CipMatchResource[] = [];
  for (const [i, m] of (optArray(issues, spec, 'match', 'spec') ?? []).entries()) {
    const p = `spec.match[${i}]`;
    const o = readObject(issues, m, p, ['group', 'version', 'resource', 'selector']);
    if (!o) continue;
    const resource = optString(issues, o, 'resource', p) ?? '';
    const version = optString(issues, o, 'version', p) ?? '';
    const group = optString(issues, o, 'group', p) ?? '';
    if (resource !== '' && !MATCH_RESOURCES.includes(resource)) {
      issues.error(`${p}.resource`, `invalid value: ${resource}`, `use one of ${MATCH_RESOURCES.join(', ')}`);
    }
    if (resource !== '' && version === '') issues.error(`${p}.version`, 'missing field(s)');
    const selector =
      o['selector'] === undefined ? undefined : parseLabelSelector(issues, o['selector'], `${p}.selector`);
    match.push({ group, version, resource, ...(selector ? { selector } : {}) });
  }

  if (issues.hasErrors) return undefined;
  return {
    engine: 'cip',
    apiVersion,
    name,
    source: issues.source,
    images,
    authorities,
    ...(policy ? { policy } : {}),
    mode,
    match,
  };
}

function parseAuthority(
  issues: IssueList,
  v: unknown,
  path: string,
  index: number,
  cue: CueEngine,
): CipAuthority | undefined {
  const o = readObject(issues, v, path, [
    'name',
    'key',
    'keyless',
    'static',
    'source',
    'ctlog',
    'attestations',
    'rfc3161timestamp',
    'signatureFormat',
  ]);
  if (!o) return undefined;
  const name = optString(issues, o, 'name', path) || `authority-${index}`;
  const present = (['key', 'keyless', 'static'] as const).filter((k) => o[k] !== undefined && o[k] !== null);
  let verifier: CipVerifier | undefined;
  if (present.length === 0) issues.error(path, 'expected exactly one, got neither: key, keyless, static');
  else if (present.length > 1) issues.error(path, `expected exactly one, got both: ${present.join(', ')}`);
  else if (present[0] === 'key') {
    const key = parseKeyRef(issues, o['key'], `${path}.key`, 'public-key');
    const ko = isObj(o['key']) ? o['key'] : {};
    const hashAlgorithm = optEnum(issues, ko, 'hashAlgorithm', `${path}.key`, HASH_ALGORITHMS) ?? 'sha256';
    if (key) verifier = { kind: 'key', key, hashAlgorithm };
  } else if (present[0] === 'keyless') verifier = parseKeyless(issues, o['keyless'], `${path}.keyless`);
  else {
    const s = readObject(issues, o['static'], `${path}.static`, ['action', 'message']);
    const action = s ? optEnum(issues, s, 'action', `${path}.static`, ['pass', 'fail'] as const) : undefined;
    if (s && s['action'] === undefined)
      issues.error(`${path}.static.action`, 'missing field(s)', 'set action: pass or action: fail');
    const message = s ? optString(issues, s, 'message', `${path}.static`) : undefined;
    if (action) verifier = { kind: 'static', action, ...(message ? { message } : {}) };
    for (const k of ['source', 'ctlog', 'attestations', 'rfc3161timestamp']) {
      if (o[k] !== undefined) issues.error(`${path}.${k}`, `static authorities cannot have ${k}`);
    }
  }

  const sources: { oci: string; tagPrefix?: string }[] = [];
  for (const [i, s] of (optArray(issues, o, 'source', path) ?? []).entries()) {
    const p = `${path}.source[${i}]`;
    const so = readObject(issues, s, p, ['oci', 'signaturePullSecrets', 'tagPrefix']);
    if (!so) continue;
    const oci = optString(issues, so, 'oci', p);
    const tagPrefix = optString(issues, so, 'tagPrefix', p);
    if (oci !== undefined) {
      if (!/^[a-z0-9.:-]+(\/[a-z0-9._-]+)+$/.test(oci))
        issues.error(`${p}.oci`, `invalid value: ${oci}`, 'write registry/repository, no tag');
      else sources.push({ oci, ...(tagPrefix !== undefined ? { tagPrefix } : {}) });
    }
  }

  // policy-controller's checkOptsFromAuthority (pkg/webhook/validator.go) builds a Rekor client only
  // from `ctlog.url` or `ctlog.trustRootRef`; with neither it sets SkipTlogVerify, so a `key` authority
  // without `ctlog` (or with `ctlog: {}`) is checked signature-only: `vouch sign --key` and
  // `cosign sign --key --tlog-upload=false` images pass. Keyless authorities keep requiring the log
  // unless `ctlog: {}`: policy-controller skips Rekor there too, but then cosign checks the short-lived
  // Fulcio certificate at the current time, so the logged path is the one that admits real keyless
  // signatures (docs/admission.md, "Transparency log").
  let tlog: CipAuthority['tlog'] = { required: verifier?.kind !== 'key' };
  if (o['ctlog'] !== undefined) {
    const c = readObject(issues, o['ctlog'], `${path}.ctlog`, ['url', 'trustRootRef']);
    const url = c ? optString(issues, c, 'url', `${path}.ctlog`) : undefined;
    const trustRootRef = c ? optString(issues, c, 'trustRootRef', `${path}.ctlog`) : undefined;
    if (url !== undefined && !isUrl(url)) issues.error(`${path}.ctlog.url`, `invalid value: ${url}`);
    // `ctlog: {}` with neither url nor trustRootRef turns transparency-log verification off.
    tlog = {
      required: url !== undefined || trustRootRef !== undefined,
      ...(url ? { url } : {}),
      ...(trustRootRef ? { trustRootRef } : {}),
    };
  }
  let rfc3161: CipAuthority['rfc3161'];
  if (o['rfc3161timestamp'] !== undefined) {
    const r = readObject(issues, o['rfc3161timestamp'], `${path}.rfc3161timestamp`, ['trustRootRef']);
    const trustRootRef = r ? optString(issues, r, 'trustRootRef', `${path}.rfc3161timestamp`) : undefined;
    rfc3161 = trustRootRef ? { trustRootRef } : {};
  }

  const attestations: CipAttestation[] = [];
  for (const [i, a] of (optArray(issues, o, 'attestations', path) ?? []).entries()) {
    const p = `${path}.attestations[${i}]`;
    const ao = readObject(issues, a, p, ['name', 'predicateType', 'policy']);
    if (!ao) continue;
    const aname = reqString(issues, ao, 'name', p);
    const pt = reqString(issues, ao, 'predicateType', p);
    const policy =
      ao['policy'] === undefined ? undefined : parsePolicy(issues, ao['policy'], `${p}.policy`, cue);
    if (aname !== undefined && pt !== undefined) {
      attestations.push({
        name: aname,
        predicateTypeWritten: pt,
        predicateType: PREDICATE_SHORTHANDS[pt] ?? pt,
        ...(policy ? { policy } : {}),
      });
    }
  }
  const signatureFormat =
    optEnum(issues, o, 'signatureFormat', path, ['legacy', 'bundle'] as const) ?? 'legacy';
  if (!verifier) return undefined;
  return {
    name,
    path,
    verifier,
    sources,
    tlog,
    ...(rfc3161 ? { rfc3161 } : {}),
    attestations,
    signatureFormat,
  };
}

function parseKeyRef(
  issues: IssueList,
  v: unknown,
  path: string,
  what: 'public-key' | 'certificate',
): CipKeySource | undefined {
  const o = readObject(issues, v, path, ['data', 'secretRef', 'kms', 'hashAlgorithm']);
  if (!o) return undefined;
  const present = (['data', 'secretRef', 'kms'] as const).filter(
    (k) => o[k] !== undefined && o[k] !== null && o[k] !== '',
  );
  if (present.length === 0) {
    issues.error(path, 'expected exactly one, got neither: data, secretRef, kms');
    return undefined;
  }
  if (present.length > 1) {
    issues.error(path, `expected exactly one, got both: ${present.join(', ')}`);
    return undefined;
  }
  if (present[0] === 'data') {
    const pem = optString(issues, o, 'data', path);
    if (pem === undefined) return undefined;
    if (what === 'certificate') {
      if (!isCertificatePem(pem)) issues.error(`${path}.data`, 'invalid value: data is not PEM certificates');
      return { kind: 'data', pem, spkiSha256: '' };
    }
    const fp = spkiSha256(pem);
    if (!fp) {
      issues.error(
        `${path}.data`,
        'invalid value: data is not a PEM public key',
        'paste the PEM from cosign.pub',
      );
      return undefined;
    }
    return { kind: 'data', pem, spkiSha256: fp };
  }
  if (present[0] === 'kms') {
    const uri = optString(issues, o, 'kms', path);
    if (uri === undefined) return undefined;
    if (!KMS_PREFIXES.some((p) => uri.startsWith(p))) {
      issues.error(
        `${path}.kms`,
        `invalid value: ${uri}`,
        `a KMS URI starts with one of ${KMS_PREFIXES.join(', ')}`,
      );
      return undefined;
    }
    if (uri.startsWith('awskms://') && !AWS_KMS_URI.test(uri)) {
      issues.error(
        `${path}.kms`,
        `invalid value: ${uri}: malformed AWS KMS format`,
        'write awskms://[host:port]/arn:aws:kms:<region>:<account>:key/<key-id> (or …:alias/<name>)',
      );
      return undefined;
    }
    return { kind: 'kms', uri };
  }
  const s = readObject(issues, o['secretRef'], `${path}.secretRef`, ['name', 'namespace']);
  const name = s ? reqString(issues, s, 'name', `${path}.secretRef`) : undefined;
  const namespace = s ? optString(issues, s, 'namespace', `${path}.secretRef`) : undefined;
  return name ? { kind: 'secretRef', name, ...(namespace ? { namespace } : {}) } : undefined;
}

function parseKeyless(issues: IssueList, v: unknown, path: string): CipVerifier | undefined {
  const o = readObject(issues, v, path, [
    'url',
    'identities',
    'ca-cert',
    'trustRootRef',
    'insecureIgnoreSCT',
  ]);
  if (!o) return undefined;
  const url = optString(issues, o, 'url', path);
  if (url !== undefined && !isUrl(url)) issues.error(`${path}.url`, `invalid value: ${url}`);
  const caCert =
    o['ca-cert'] === undefined
      ? undefined
      : parseKeyRef(issues, o['ca-cert'], `${path}.ca-cert`, 'certificate');
  const trustRootRef = optString(issues, o, 'trustRootRef', path);
  const roots = [url !== undefined && 'url', o['ca-cert'] !== undefined && 'ca-cert'].filter(Boolean);
  if (roots.length > 1) issues.error(path, 'expected exactly one, got both: url, ca-cert');
  const identities: CipIdentity[] = [];
  const list = optArray(issues, o, 'identities', path);
  if (!list || list.length === 0)
    issues.error(`${path}.identities`, 'missing field(s)', 'add `- issuer: … subject: …`');
  for (const [i, id] of (list ?? []).entries()) {
    const p = `${path}.identities[${i}]`;
    const io = readObject(issues, id, p, ['issuer', 'subject', 'issuerRegExp', 'subjectRegExp']);
    if (!io) continue;
    const issuer = identityField(issues, io, p, 'issuer');
    const subject = identityField(issues, io, p, 'subject');
    if (issuer && subject) identities.push({ issuer, subject });
  }
  const insecureIgnoreSct = optBool(issues, o, 'insecureIgnoreSCT', path) ?? false;
  return {
    kind: 'keyless',
    // SetDefaults: no url, ca-cert or trustRootRef means the public Fulcio.
    ...(url !== undefined ? { url } : caCert || trustRootRef ? {} : { url: PUBLIC_FULCIO }),
    ...(caCert ? { caCert } : {}),
    ...(trustRootRef ? { trustRootRef } : {}),
    identities,
    insecureIgnoreSct,
  };
}

function identityField(
  issues: IssueList,
  o: Obj,
  path: string,
  f: 'issuer' | 'subject',
): StringMatcher | undefined {
  const exact = optString(issues, o, f, path);
  const re = optString(issues, o, `${f}RegExp`, path);
  if (exact && re) {
    issues.error(path, `expected exactly one, got both: ${f}, ${f}RegExp`);
    return undefined;
  }
  if (!exact && !re) {
    issues.error(
      path,
      `missing field(s): ${f} or ${f}RegExp`,
      `an identity must pin both issuer and subject`,
    );
    return undefined;
  }
  if (exact) {
    if (f === 'issuer' && !isUrl(exact))
      issues.warn(`${path}.issuer`, `issuer "${exact}" is not a URL; OIDC issuers are URLs`);
    return { kind: 'exact', value: exact };
  }
  return regexpMatcher(issues, re as string, `${path}.${f}RegExp`);
}

function parsePolicy(issues: IssueList, v: unknown, path: string, cue: CueEngine): CipPolicy | undefined {
  const o = readObject(issues, v, path, [
    'type',
    'data',
    'remote',
    'configMapRef',
    'fetchConfigFile',
    'includeSpec',
    'includeObjectMeta',
    'includeTypeMeta',
  ]);
  if (!o) return undefined;
  const type = optEnum(issues, o, 'type', path, ['cue', 'rego'] as const);
  if (o['type'] === undefined) issues.error(`${path}.type`, 'missing field(s)', 'set type: cue');
  for (const k of ['fetchConfigFile', 'includeSpec', 'includeObjectMeta', 'includeTypeMeta'])
    optBool(issues, o, k, path);
  const present = (['data', 'remote', 'configMapRef'] as const).filter(
    (k) => o[k] !== undefined && o[k] !== null,
  );
  if (present.length !== 1) {
    issues.error(
      path,
      present.length === 0
        ? 'expected exactly one, got neither: data, remote, configMapRef'
        : `expected exactly one, got both: ${present.join(', ')}`,
    );
    return undefined;
  }
  if (!type) return undefined;
  if (present[0] === 'data') {
    const data = optString(issues, o, 'data', path);
    if (data === undefined) return undefined;
    return {
      type,
      path,
      source: { kind: 'inline', data },
      ...(type === 'cue' ? { cue: cue.compile(data) } : {}),
    };
  }
  if (present[0] === 'remote') {
    const r = readObject(issues, o['remote'], `${path}.remote`, ['url', 'sha256sum']);
    const url = r ? reqString(issues, r, 'url', `${path}.remote`) : undefined;
    const sha = r ? optString(issues, r, 'sha256sum', `${path}.remote`) : undefined;
    if (sha !== undefined && !/^[a-f0-9]{64}$/.test(sha))
      issues.error(`${path}.remote.sha256sum`, 'invalid value: expected 64 hex characters');
    return url
      ? { type, path, source: { kind: 'remote', url, ...(sha ? { sha256sum: sha } : {}) } }
      : undefined;
  }
  const c = readObject(issues, o['configMapRef'], `${path}.configMapRef`, ['name', 'namespace', 'key']);
  const name = c ? reqString(issues, c, 'name', `${path}.configMapRef`) : undefined;
  if (!c || !name) return undefined;
  const namespace = optString(issues, c, 'namespace', `${path}.configMapRef`);
  const key = optString(issues, c, 'key', `${path}.configMapRef`);
  return {
    type,
    path,
    source: { kind: 'configMap', name, ...(namespace ? { namespace } : {}), ...(key ? { key } : {}) },
  };
}

/** Validates a TrustRoot document's shape (exactly one of remote, repository, sigstoreKeys). */
export function parseTrustRoot(issues: IssueList, doc: Obj): TrustRoot | undefined {
  readObject(issues, doc, '', ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const name = readMetadataName(issues, doc);
  const spec = readObject(issues, doc['spec'], 'spec', ['remote', 'repository', 'sigstoreKeys']);
  if (!spec) return undefined;
  const present = (['remote', 'repository', 'sigstoreKeys'] as const).filter((k) => spec[k] !== undefined);
  if (present.length !== 1) {
    issues.error(
      'spec',
      present.length === 0
        ? 'expected exactly one, got neither: remote, repository, sigstoreKeys'
        : `expected exactly one, got both: ${present.join(', ')}`,
    );
    return undefined;
  }
  const kind = present[0] as TrustRoot['kind'];
  const body = spec[kind];
  const known: Record<TrustRoot['kind'], string[]> = {
    remote: ['mirror', 'root', 'targets', 'trustedRootTarget'],
    repository: ['root', 'mirrorFS', 'targets', 'trustedRootTarget'],
    sigstoreKeys: ['certificateAuthorities', 'tLogs', 'ctLogs', 'timestampAuthorities'],
  };
  const b = readObject(issues, body, `spec.${kind}`, known[kind]);
  if (!b || issues.hasErrors) return undefined;
  return { engine: 'trustroot', name, source: issues.source, kind, spec: b };
}

function isUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
