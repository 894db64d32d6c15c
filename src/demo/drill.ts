import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startController } from '../admission/index.js';
import type { AdmissionServer } from '../admission/index.js';
import { generateSelfSignedCertificate } from '../admission/index.js';
import { attestImage } from '../sign/index.js';
import { provenanceFromGitHubEnv } from '../attest/index.js';
import { SLSA_PROVENANCE_V1 } from '../attest/index.js';
import { describeCause, VouchError } from '../errors.js';
import { writeFileAtomic } from '../fs/index.js';
import type { Digest } from '../oci/index.js';
import { buildImage } from '../oci/index.js';
import { imageLayers } from '../oci/index.js';
import type { ImageReader, ImageWriter } from '../oci/index.js';
import { createOciLayoutWriter, openOciLayout } from '../oci/index.js';
import { LayoutRepository, LayoutRepositoryWriter, layoutRepositoryOpener } from '../oci/index.js';
import { parseReference, type Reference, repositoryName } from '../oci/index.js';
import { registryClientFromEnv } from '../oci/index.js';
import { CIP_INCLUDE_LABEL, promotePolicies } from '../policy/index.js';
import { generateSbom, openImageLayersTree, renderSbom } from '../sbom/index.js';
import { appendToCosignTag } from '../sign/index.js';
import { generateCosignKeyPair } from '../crypto/index.js';
import { signImageLayer } from '../sign/index.js';
import { cipDemoPolicy, kyvernoDemoPolicy } from './demo-policies.js';
import { signedAppSpec, unsignedAppSpec } from './sample-images.js';

export interface DrillOptions {
  /** Where the evidence goes: layout, keys, SBOM, attestations, policies, reports, decision log. */
  outDir: string;
  now: () => Date;
  /** Progress lines (stderr). */
  log: (line: string) => void;
  /** Push to this registry (host:port) instead of an OCI layout; plain HTTP when `insecure`. */
  registry?: string;
  insecure?: boolean;
  /** Key password; random (and written to out/cosign.password) when absent. */
  password?: string;
}

export interface AdmissionExchange {
  image: string;
  endpoint: 'validate' | 'mutate';
  allowed: boolean;
  message?: string;
  warnings: string[];
  /** For /mutate: the image values the JSONPatch sets. */
  pinnedTo?: string[];
}

export interface DrillPhase {
  mode: 'audit' | 'enforce';
  policyFiles: string[];
  exchanges: AdmissionExchange[];
  metrics: Record<string, number>;
}

export interface DrillCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DrillReport {
  ok: boolean;
  outDir: string;
  store: string;
  signed: { ref: string; digest: Digest };
  unsigned: { ref: string; digest: Digest };
  sbom: { file: string; components: number; os?: string };
  signature: { tag: string; manifest: Digest };
  attestations: Array<{ predicateType: string; tag: string }>;
  phases: DrillPhase[];
  policyReports: unknown[];
  checks: DrillCheck[];
}

interface Store {
  description: string;
  /** How images are named in pod specs. */
  repository: Reference;
  reader(): Promise<ImageReader>;
  writer(): Promise<ImageWriter>;
  /** Reader for any repository a policy names. */
  open(repository: string): ImageReader;
}

const NAMESPACE = 'payments';
const METRICS = [
  'policy_controller_admissions_total',
  'cosign_verification_failures_total',
  'unsigned_image_deployments_total',
  'sbom_age_hours',
];

/**
 * The binary outcome drill of a release incident on this machine: build a release image and a workstation rebuild,
 * SBOM + sign + attest the release, run the real admission webhook over HTTPS on loopback with the policy
 * pack in Audit, then in Enforce, send real AdmissionReviews for both, and check the outcome: Audit
 * admits both and warns about the unsigned one; Enforce denies the unsigned one with the reason and
 * admits the signed one pinned to its digest.
 * @throws when the drill cannot run at all (TOOL_MISSING for openssl, IO_ERROR); a failed outcome is
 *   a report with ok = false
 */
export async function runDrill(opts: DrillOptions): Promise<DrillReport> {
  const out = opts.outDir;
  for (const d of [out, join(out, 'policies'), join(out, 'reports')]) {
    await mkdir(d, { recursive: true }).catch((e: unknown) => {
      throw new VouchError('IO_ERROR', `cannot create ${d}: ${describeCause(e)}`, {
        cause: e,
        hint: '--out must be a directory vouch may create or write into',
      });
    });
  }
  const store = await openStore(opts);
  const now = opts.now();
  const log = opts.log;

  log(`1/7 building the release image and a workstation rebuild into ${store.description}`);
  let w = await store.writer();
  const signedImg = await buildImage(w, { ...signedAppSpec, tag: '1.4.2' });
  const unsignedImg = await buildImage(w, { ...unsignedAppSpec, tag: '1.4.2-hotfix' });
  await w.commit();
  const repoName = repositoryName(store.repository);
  const signed = { ref: `${repoName}:1.4.2`, digest: signedImg.descriptor.digest };
  const unsigned = { ref: `${repoName}:1.4.2-hotfix`, digest: unsignedImg.descriptor.digest };

  log('2/7 generating the SBOM of the release from its layers');
  let reader = await store.reader();
  const { layers } = await imageLayers(reader, signed.digest);
  const tree = openImageLayersTree(layers, { description: `${repoName}@${signed.digest}` });
  const sbomResult = await generateSbom(tree, {
    image: { name: repoName, digest: signed.digest },
    onBadFile: 'warn',
  });
  const sbomText = renderSbom(sbomResult, 'cyclonedx-json', { now, deterministic: true });
  const sbomFile = join(out, 'sbom.cdx.json');
  await writeFileAtomic(sbomFile, sbomText);

  log('3/7 generating a cosign key pair');
  const password = opts.password ?? randomBytes(18).toString('base64url');
  const keys = await generateCosignKeyPair(password);
  await writeFileAtomic(join(out, 'cosign.key'), keys.privatePem, { mode: 0o600 });
  await writeFileAtomic(join(out, 'cosign.pub'), keys.publicPem);
  if (!opts.password) await writeFileAtomic(join(out, 'cosign.password'), `${password}\n`, { mode: 0o600 });

  log(`4/7 signing ${signed.ref}@${signed.digest} and attesting SBOM + SLSA provenance`);
  w = await store.writer();
  const sig = await appendToCosignTag(
    { reader, writer: w },
    signed.digest,
    'sig',
    signImageLayer(keys.privateKey, { dockerReference: repoName, digest: signed.digest }),
    now,
  );
  const provenance = provenanceFromGitHubEnv(simulatedReleaseJob(), now, {
    startedOn: new Date(now.getTime() - 95_000),
  });
  const attestations: DrillReport['attestations'] = [];
  for (const [predicateType, predicate] of [
    ['https://cyclonedx.org/bom', JSON.parse(sbomText) as unknown],
    [SLSA_PROVENANCE_V1, provenance as unknown],
  ] as const) {
    const { layer } = attestImage(keys.privateKey, {
      subjectName: repoName,
      digest: signed.digest,
      predicateType,
      predicate,
    });
    // Each append reads the .att manifest the previous one wrote, so the reader must see the new state.
    await w.commit();
    reader = await store.reader();
    w = await store.writer();
    const r = await appendToCosignTag({ reader, writer: w }, signed.digest, 'att', layer, now);
    attestations.push({ predicateType, tag: r.where });
    await writeFileAtomic(
      join(out, `attestation-${predicateType === SLSA_PROVENANCE_V1 ? 'slsa' : 'sbom'}.json`),
      `${JSON.stringify(predicate, null, 2)}\n`,
    );
  }
  await w.commit();

  log('5/7 writing the policy pack (Kyverno ClusterPolicy + ClusterImagePolicy) in Audit');
  const auditFiles = [
    await writePolicy(
      out,
      'require-signed-attested-release.yaml',
      kyvernoDemoPolicy(keys.publicPem, repoName),
    ),
    await writePolicy(out, 'require-sbom-attestation.yaml', cipDemoPolicy(keys.publicPem, repoName)),
  ];
  const tls = await generateSelfSignedCertificate(['localhost', '127.0.0.1']);
  const phases: DrillPhase[] = [];
  let policyReports: unknown[] = [];
  for (const mode of ['audit', 'enforce'] as const) {
    if (mode === 'enforce') {
      log('6/7 promoting the policies Audit -> Enforce (vouch policy promote)');
      for (const f of auditFiles) {
        const promoted = promotePolicies(await readFile(f, 'utf8'), f, 'enforce');
        await writeFileAtomic(f, promoted.text);
      }
    } else {
      log('6/7 starting the admission webhook over HTTPS on loopback (Audit)');
    }
    const controller = await startController({
      policyPaths: [join(out, 'policies')],
      openRepository: (r) => store.open(r),
      tls: { kind: 'pem', certPem: tls.certPem, keyPem: tls.keyPem },
      mode,
      reportDir: join(out, 'reports'),
      decisionLogPath: join(out, 'decisions.jsonl'),
      namespaceLabels: async (ns) => ({ 'kubernetes.io/metadata.name': ns, [CIP_INCLUDE_LABEL]: 'true' }),
      now: opts.now,
      log: () => undefined,
    });
    const server = controller.server;
    const loaded = controller.policies.last;
    try {
      const exchanges: AdmissionExchange[] = [];
      for (const image of [signed.ref, unsigned.ref]) {
        for (const endpoint of ['validate', 'mutate'] as const) {
          exchanges.push(await admit(server, tls.certPem, endpoint, image));
        }
      }
      phases.push({
        mode,
        policyFiles: loaded?.files.slice() ?? [],
        exchanges,
        metrics: await scrapeMetrics(server, tls.certPem),
      });
      if (mode === 'enforce') policyReports = await getJson(server, tls.certPem, '/reports');
    } finally {
      await controller.close();
    }
  }

  log('7/7 checking the binary outcome');
  const checks = outcomeChecks(phases, signed, unsigned);
  const report: DrillReport = {
    ok: checks.every((c) => c.ok),
    outDir: out,
    store: store.description,
    signed,
    unsigned,
    sbom: {
      file: sbomFile,
      components: sbomResult.components.length,
      ...(sbomResult.os ? { os: `${sbomResult.os.id} ${sbomResult.os.versionId ?? ''}`.trim() } : {}),
    },
    signature: { tag: sig.where, manifest: sig.manifestDigest },
    attestations,
    phases,
    policyReports: Array.isArray(policyReports) ? policyReports : [policyReports],
    checks,
  };
  await writeFileAtomic(join(out, 'drill-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

async function writePolicy(out: string, name: string, text: string): Promise<string> {
  const file = join(out, 'policies', name);
  await writeFileAtomic(file, text);
  return file;
}

/** The GitHub Actions variables of the release job that would have built this image in CI. */
function simulatedReleaseJob(): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'example/payments-api',
    GITHUB_REPOSITORY_ID: '123456789',
    GITHUB_REPOSITORY_OWNER_ID: '987654',
    GITHUB_WORKFLOW_REF: 'example/payments-api/.github/workflows/release.yaml@refs/tags/v1.4.2',
    GITHUB_WORKFLOW_SHA: '8f2c1d0e9b7a6f5e4d3c2b1a09f8e7d6c5b4a392',
    GITHUB_SHA: '8f2c1d0e9b7a6f5e4d3c2b1a09f8e7d6c5b4a392',
    GITHUB_REF: 'refs/tags/v1.4.2',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_ENVIRONMENT: 'github-hosted',
  };
}

async function openStore(opts: DrillOptions): Promise<Store> {
  if (opts.registry) {
    const registry = opts.registry;
    const client = registryClientFromEnv({
      insecureRegistries: opts.insecure ? [registry] : [],
      now: opts.now,
    });
    const repository = parseReference(`${registry}/vouch-demo/payments-api`, { defaultTag: false });
    const repo = client.repository(repository);
    return {
      description: `registry ${registry}`,
      repository,
      reader: async () => repo,
      writer: async () => repo,
      open: (r) => client.repository(parseReference(r, { defaultTag: false })),
    };
  }
  // No registry: an OCI layout stands in for one, holding each repository under `<repo>:<tag>` names.
  const dir = join(opts.outDir, 'oci-layout');
  const repository = parseReference('registry.vouch.local/payments-api', { defaultTag: false });
  const name = repositoryName(repository);
  return {
    description: `oci-dir:${dir}`,
    repository,
    reader: async () => new LayoutRepository(await openOciLayout(dir), name),
    writer: async () => new LayoutRepositoryWriter(await createOciLayoutWriter(dir), name),
    open: layoutRepositoryOpener(() => openOciLayout(dir)),
  };
}

/** A Pod as `kubectl run payments-api --image=<image> -n payments --dry-run=client -o json` prints it. */
function podFor(image: string): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: 'payments-api',
      namespace: NAMESPACE,
      creationTimestamp: null,
      labels: { run: 'payments-api' },
    },
    spec: {
      containers: [{ name: 'payments-api', image, resources: {} }],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
    },
    status: {},
  };
}

/** The AdmissionReview the API server sends for a Pod CREATE. */
function reviewFor(image: string): Record<string, unknown> {
  return {
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid: randomBytes(16)
        .toString('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: 'payments-api',
      namespace: NAMESPACE,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:flux-system:kustomize-controller',
        groups: ['system:serviceaccounts'],
      },
      object: podFor(image),
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  };
}

async function admit(
  server: AdmissionServer,
  ca: string,
  endpoint: 'validate' | 'mutate',
  image: string,
): Promise<AdmissionExchange> {
  const res = (await postJson(server, ca, `/${endpoint}`, reviewFor(image))) as {
    response?: { allowed?: boolean; status?: { message?: string }; warnings?: string[]; patch?: string };
  };
  const r = res.response ?? {};
  const exchange: AdmissionExchange = {
    image,
    endpoint,
    allowed: r.allowed === true,
    warnings: r.warnings ?? [],
  };
  if (r.status?.message) exchange.message = r.status.message;
  if (r.patch) {
    const ops = JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8')) as Array<{ value?: unknown }>;
    exchange.pinnedTo = ops.map((o) => String(o.value));
  }
  return exchange;
}

function httpsCall(
  server: AdmissionServer,
  ca: string,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      {
        method,
        ca,
        headers: body
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', (e) =>
      reject(
        new VouchError('IO_ERROR', `drill: ${method} ${path} to the webhook failed: ${e.message}`, {
          cause: e,
        }),
      ),
    );
    req.end(body);
  });
}

async function postJson(server: AdmissionServer, ca: string, path: string, body: unknown): Promise<unknown> {
  return parseJson(await httpsCall(server, ca, 'POST', path, JSON.stringify(body)), path);
}

async function getJson(server: AdmissionServer, ca: string, path: string): Promise<unknown[]> {
  const v = parseJson(await httpsCall(server, ca, 'GET', path), path);
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && v !== null && Array.isArray((v as { items?: unknown }).items)) {
    return (v as { items: unknown[] }).items;
  }
  return [v];
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new VouchError('INTERNAL', `drill: the webhook answered ${what} with invalid JSON`, { cause: e });
  }
}

/** The seed metric families, summed over their label sets. */
async function scrapeMetrics(server: AdmissionServer, ca: string): Promise<Record<string, number>> {
  const text = await httpsCall(server, ca, 'GET', '/metrics');
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.eE+-]+|NaN)$/.exec(line);
    if (!m) continue;
    const name = m[1] as string;
    if (!METRICS.includes(name)) continue;
    const labels = m[2] ?? '';
    const key = `${name}${labels}`;
    out[key] = (out[key] ?? 0) + Number(m[3]);
  }
  return out;
}

function outcomeChecks(
  phases: readonly DrillPhase[],
  signed: { ref: string; digest: Digest },
  unsigned: { ref: string; digest: Digest },
): DrillCheck[] {
  const find = (mode: string, image: string, endpoint: string) =>
    phases.find((p) => p.mode === mode)?.exchanges.find((e) => e.image === image && e.endpoint === endpoint);
  const checks: DrillCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const aS = find('audit', signed.ref, 'validate');
  const aU = find('audit', unsigned.ref, 'validate');
  const eS = find('enforce', signed.ref, 'validate');
  const eU = find('enforce', unsigned.ref, 'validate');
  const mS = find('enforce', signed.ref, 'mutate');
  add(
    'Audit: signed + attested release admitted without warnings',
    aS?.allowed === true && aS.warnings.length === 0,
    describe(aS),
  );
  add(
    'Audit: unsigned rebuild admitted, with a warning',
    aU?.allowed === true && aU.warnings.length > 0,
    describe(aU),
  );
  add(
    'Enforce: unsigned rebuild denied, with the reason',
    eU?.allowed === false && Boolean(eU.message),
    describe(eU),
  );
  add('Enforce: signed + attested release admitted', eS?.allowed === true, describe(eS));
  add(
    'Enforce: admitted release pinned to its digest (mutateDigest)',
    mS?.pinnedTo?.some((v) => v.endsWith(`@${signed.digest}`)) === true,
    describe(mS),
  );
  return checks;
}

function describe(e: AdmissionExchange | undefined): string {
  if (!e) return 'no answer';
  const parts = [e.allowed ? 'allowed' : 'denied'];
  if (e.message) parts.push(e.message);
  if (e.warnings.length > 0) parts.push(`warnings: ${e.warnings.join(' | ')}`);
  if (e.pinnedTo) parts.push(`patched to ${e.pinnedTo.join(', ')}`);
  return parts.join('; ');
}
