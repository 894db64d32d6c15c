import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';

/**
 * X.509 v3 certificates for the webhook's own CA and serving certificate, built in DER here because
 * node:crypto signs but cannot build certificates, and the webhook image carries no openssl. Only what
 * a webhook needs: ECDSA P-256 keys, ecdsa-with-SHA256 signatures, a CN, and the extensions the API
 * server's Go TLS client checks (basicConstraints, keyUsage, extKeyUsage serverAuth, subjectAltName
 * DNS names). RFC 5280 section numbers name each part.
 */

export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certificate: X509Certificate;
}

export interface CertificateRequest {
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA certificate (basicConstraints cA, keyCertSign) or a TLS server certificate. */
  readonly ca: boolean;
  /** subjectAltName DNS names (server certificates). */
  readonly dnsNames?: readonly string[];
  /** Signed by this CA; absent: self-signed. */
  readonly issuer?: { readonly certificate: X509Certificate; readonly key: KeyObject };
}

/** Issues a certificate with a fresh P-256 key. */
export function issueCertificate(req: CertificateRequest): IssuedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const subject = name(req.commonName);
  const extensions: Buffer[] = [
    // 4.2.1.9 basicConstraints, critical
    extension(OID.basicConstraints, true, seq(...(req.ca ? [bool(true)] : []))),
    // 4.2.1.3 keyUsage, critical: digitalSignature (+ keyCertSign, cRLSign for a CA)
    extension(
      OID.keyUsage,
      true,
      req.ca ? bitString(Buffer.from([0x86]), 1) : bitString(Buffer.from([0x80]), 7),
    ),
    // 4.2.1.2 subjectKeyIdentifier: SHA-1 of the subjectPublicKey bits (method 1)
    extension(OID.subjectKeyIdentifier, false, octets(keyIdentifier(spki))),
  ];
  if (req.issuer) {
    const issuerSpki = req.issuer.certificate.publicKey.export({ type: 'spki', format: 'der' });
    // 4.2.1.1 authorityKeyIdentifier [0] keyIdentifier
    extensions.push(extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, keyIdentifier(issuerSpki)))));
  }
  if (!req.ca) {
    extensions.push(extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))));
    const names = (req.dnsNames ?? []).map((n) => tlv(0x82, Buffer.from(n, 'ascii')));
    extensions.push(extension(OID.subjectAltName, false, seq(...names)));
  }
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive, at most 20 octets (4.1.2.2)
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_SHA256,
    req.issuer ? issuerSubject(req.issuer.certificate) : subject,
    seq(time(req.notBefore), time(req.notAfter)),
    subject,
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, req.issuer?.key ?? privateKey);
  const der = seq(tbs, ECDSA_SHA256, bitString(signature, 0));
  const certPem = pem('CERTIFICATE', der);
  return {
    certPem,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificate: new X509Certificate(certPem),
  };
}

/** The issuer's subject Name, copied from its DER so the chain matches byte for byte. */
function issuerSubject(cert: X509Certificate): Buffer {
  // Certificate → tbsCertificate → [version, serial, sigAlg, issuer, validity, subject, …]
  const tbs = children(children(cert.raw)[0] ?? Buffer.alloc(0));
  const subject = tbs[5];
  if (subject === undefined) throw new Error('issuer certificate has no subject');
  return subject;
}

/** The DER elements directly inside a SEQUENCE (definite lengths only, as DER requires). */
function children(der: Buffer): Buffer[] {
  const { start, end } = header(der, 0);
  const out: Buffer[] = [];
  let at = start;
  while (at < end) {
    const h = header(der, at);
    out.push(der.subarray(at, h.end));
    at = h.end;
  }
  return out;
}

function header(der: Buffer, at: number): { start: number; end: number } {
  const first = der[at + 1] ?? 0;
  if (first < 0x80) return { start: at + 2, end: at + 2 + first };
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (der[at + 2 + i] ?? 0);
  return { start: at + 2 + n, end: at + 2 + n + len };
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const octets = (b: Buffer) => tlv(0x04, b);
const bitString = (b: Buffer, unused: number) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && ((b[i + 1] ?? 0) & 0x80) === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, (v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [a * 40 + b];
  for (const n of rest) {
    const parts = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) parts.unshift((v & 0x7f) | 0x80);
    out.push(...parts);
  }
  return tlv(0x06, Buffer.from(out));
}

const ECDSA_SHA256 = seq(oid(OID.ecdsaWithSha256));

function name(cn: string): Buffer {
  return seq(set(seq(oid(OID.commonName), tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

/** 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(d: Date): Buffer {
  const iso = d
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:T]/g, '');
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(iso, 'ascii'));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function keyIdentifier(spkiDer: Buffer): Buffer {
  // The subjectPublicKey BIT STRING is the last element of the SubjectPublicKeyInfo.
  const parts = children(spkiDer);
  const bits = parts[parts.length - 1] ?? Buffer.alloc(0);
  const { start, end } = header(bits, 0);
  return createHash('sha1')
    .update(bits.subarray(start + 1, end))
    .digest();
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}
