import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCause, VouchError } from '../errors.js';
import type { KubeClient } from './kube-client.js';
import { issueCertificate } from './x509.js';

/**
 * The webhook's own certificates, without cert-manager, as Kyverno and policy-controller manage theirs:
 * a CA and a serving certificate for `<service>.<namespace>.svc` kept in one Secret, the CA written into
 * the `caBundle` of vouch's webhook configurations, and the serving certificate re-issued before it
 * expires. Every replica runs the same reconcile; writes are conditional on the resourceVersion read,
 * so when two replicas race, one writes and the other adopts what it wrote.
 */
export interface WebhookCertOptions {
  readonly kube: KubeClient;
  readonly namespace: string;
  readonly secretName: string;
  /** The Service the API server calls: the certificate names `<service>.<namespace>.svc[.cluster.local]`. */
  readonly service: string;
  readonly webhookConfigurations: readonly {
    readonly kind: 'validating' | 'mutating';
    readonly name: string;
  }[];
  /** Where `tls.crt` and `tls.key` are written for the server (which re-reads them when they change). */
  readonly dir: string;
  readonly now: () => Date;
  readonly caValidityDays?: number;
  readonly certValidityDays?: number;
  /** Re-issue the serving certificate when it has less than this left (default 30 days). */
  readonly renewBeforeDays?: number;
  readonly log: (line: string) => void;
}

export interface WebhookCertState {
  readonly certFile: string;
  readonly keyFile: string;
  readonly notAfter: Date;
  /** Whether this reconcile issued anything (false: the Secret's pair was current and was adopted). */
  readonly issued: boolean;
}

const DAY_MS = 86_400_000;
const ATTEMPTS = 3;

/**
 * Makes the Secret hold a valid CA and serving certificate, the webhook configurations trust that CA,
 * and `dir` hold the serving pair.
 * @throws KUBE_API_ERROR / AUTH_FAILED / TIMEOUT from the API server, IO_ERROR writing `dir`
 */
export async function reconcileWebhookCertificates(o: WebhookCertOptions): Promise<WebhookCertState> {
  const dnsNames = [`${o.service}.${o.namespace}.svc`, `${o.service}.${o.namespace}.svc.cluster.local`];
  for (let attempt = 1; ; attempt++) {
    const now = o.now();
    const secret = await o.kube.getSecret(o.namespace, o.secretName);
    const current = secret ? parsePair(secret.data) : undefined;
    const plan = planRotation(current, dnsNames, now, o);
    const data = plan.data;
    if (plan.issued) {
      const written = await o.kube.writeSecret(o.namespace, o.secretName, data, {
        type: 'kubernetes.io/tls',
        labels: { 'app.kubernetes.io/managed-by': 'vouch' },
        ...(secret ? { resourceVersion: secret.resourceVersion } : {}),
      });
      if (!written) {
        // Another replica wrote first: adopt its certificates on the next read.
        if (attempt >= ATTEMPTS)
          throw new VouchError(
            'KUBE_API_ERROR',
            `secret ${o.namespace}/${o.secretName}: conflicting writers`,
          );
        continue;
      }
      o.log(`webhook certificate issued for ${dnsNames[0]}, valid until ${plan.notAfter.toISOString()}`);
    }
    for (const w of o.webhookConfigurations) {
      try {
        if (await o.kube.setWebhookCaBundle(w.kind, w.name, data['ca.crt'] ?? ''))
          o.log(`caBundle of ${w.kind}webhookconfiguration ${w.name} updated`);
      } catch (e) {
        // A configuration that does not exist yet (or a transient error) is retried at the next round.
        o.log(`caBundle of ${w.kind}webhookconfiguration ${w.name} not updated: ${describeCause(e)}`);
      }
    }
    const files = await writePair(o.dir, data['tls.crt'] ?? '', data['tls.key'] ?? '');
    return { ...files, notAfter: plan.notAfter, issued: plan.issued };
  }
}

/** Reconciles now and then every `intervalMs` (errors are logged; the served pair stays). */
export function startWebhookCertRotation(o: WebhookCertOptions, intervalMs: number): { stop(): void } {
  const timer = setInterval(() => {
    reconcileWebhookCertificates(o).catch((e: unknown) =>
      o.log(`webhook certificate reconcile failed, keeping the current one: ${describeCause(e)}`),
    );
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

interface Pair {
  readonly ca: X509Certificate;
  readonly caCertPem: string;
  readonly caKeyPem: string;
  /** ca.crt as stored: the current CA, then a previous one still valid (rotation overlap). */
  readonly bundlePem: string;
  readonly leaf?: X509Certificate;
  readonly leafPem?: string;
  readonly leafKeyPem?: string;
}

function parsePair(data: Readonly<Record<string, string>>): Pair | undefined {
  try {
    const caKeyPem = data['ca.key'];
    const caCertPem = firstPem(data['ca.crt'] ?? '');
    if (!caKeyPem || !caCertPem) return undefined;
    const ca = new X509Certificate(caCertPem);
    if (!ca.checkPrivateKey(createPrivateKey(caKeyPem))) return undefined;
    const leafPem = data['tls.crt'];
    const leafKeyPem = data['tls.key'];
    let leaf: X509Certificate | undefined;
    if (leafPem && leafKeyPem) {
      const l = new X509Certificate(leafPem);
      if (l.checkPrivateKey(createPrivateKey(leafKeyPem)) && l.verify(ca.publicKey)) leaf = l;
    }
    return {
      ca,
      caCertPem,
      caKeyPem,
      bundlePem: data['ca.crt'] ?? caCertPem,
      ...(leaf && leafPem && leafKeyPem ? { leaf, leafPem, leafKeyPem } : {}),
    };
  } catch {
    // Unparseable material is replaced, never served.
    return undefined;
  }
}

function firstPem(text: string): string | undefined {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(text);
  return m?.[0];
}

function planRotation(
  current: Pair | undefined,
  dnsNames: readonly string[],
  now: Date,
  o: WebhookCertOptions,
): { issued: boolean; data: Record<string, string>; notAfter: Date } {
  const certDays = o.certValidityDays ?? 365;
  const renewMs = (o.renewBeforeDays ?? 30) * DAY_MS;
  const caDays = o.caValidityDays ?? 3650;
  // The CA must outlive the serving certificate it signs.
  const caOk = current !== undefined && Date.parse(current.ca.validTo) - now.getTime() > certDays * DAY_MS;
  let ca = current;
  if (!caOk || ca === undefined) {
    const fresh = issueCertificate({
      commonName: `${o.service}.${o.namespace} webhook CA`,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + caDays * DAY_MS),
      ca: true,
    });
    // The old CA stays in the bundle while it is valid, so replicas still serving its leaf are trusted.
    const keep = current && Date.parse(current.ca.validTo) > now.getTime() ? current.caCertPem : '';
    ca = {
      ca: fresh.certificate,
      caCertPem: fresh.certPem,
      caKeyPem: fresh.keyPem,
      bundlePem: `${fresh.certPem}${keep}`,
    };
  }
  const leaf = ca.leaf;
  const leafOk =
    ca === current &&
    leaf !== undefined &&
    Date.parse(leaf.validTo) - now.getTime() > renewMs &&
    dnsNames.every((n) => leaf.checkHost(n) !== undefined);
  if (leafOk && ca.leafPem && ca.leafKeyPem) {
    return {
      issued: false,
      notAfter: new Date(leaf.validTo),
      data: {
        'ca.crt': ca.bundlePem,
        'ca.key': ca.caKeyPem,
        'tls.crt': ca.leafPem,
        'tls.key': ca.leafKeyPem,
      },
    };
  }
  const issued = issueCertificate({
    commonName: dnsNames[0] ?? o.service,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + certDays * DAY_MS),
    ca: false,
    dnsNames,
    issuer: { certificate: ca.ca, key: createPrivateKey(ca.caKeyPem) },
  });
  return {
    issued: true,
    notAfter: issued.certificate.validTo ? new Date(issued.certificate.validTo) : now,
    data: {
      'ca.crt': ca.bundlePem,
      'ca.key': ca.caKeyPem,
      'tls.crt': issued.certPem,
      'tls.key': issued.keyPem,
    },
  };
}

/** Writes the pair atomically (temp + rename), only when it differs from what is there. */
async function writePair(dir: string, certPem: string, keyPem: string) {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const existing = await readFile(certFile, 'utf8').catch(() => '');
    if (existing !== certPem) {
      // Key first: the server reloads when the certificate file changes, and then reads both.
      await writeFile(`${keyFile}.tmp`, keyPem, { mode: 0o600 });
      await rename(`${keyFile}.tmp`, keyFile);
      await writeFile(`${certFile}.tmp`, certPem, { mode: 0o644 });
      await rename(`${certFile}.tmp`, certFile);
    }
  } catch (e) {
    throw new VouchError('IO_ERROR', `writing the webhook certificate to ${dir}: ${describeCause(e)}`, {
      cause: e,
    });
  }
  return { certFile, keyFile };
}
