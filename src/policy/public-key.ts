import { createHash, createPublicKey, X509Certificate } from 'node:crypto';

/** sha256 (hex) of the DER SubjectPublicKeyInfo of a PEM public key, or undefined when it is not one. */
export function spkiSha256(pem: string): string | undefined {
  try {
    const der = createPublicKey({ key: pem.trim(), format: 'pem' }).export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(der).digest('hex');
  } catch {
    return undefined;
  }
}

/** Splits text holding several PEM blocks (Kyverno `publicKeys` may list more than one key). */
export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g) ?? [];
}

/** True when every PEM block parses as an X.509 certificate. */
export function isCertificatePem(text: string): boolean {
  const blocks = splitPem(text);
  if (blocks.length === 0) return false;
  try {
    for (const b of blocks) new X509Certificate(b);
    return true;
  } catch {
    return false;
  }
}

/** sha256 (hex) of PEM text after whitespace normalisation: names a set of roots as a trust anchor. */
export function pemTextSha256(text: string): string {
  return createHash('sha256')
    .update(
      splitPem(text)
        .map((b) => b.replace(/\s+/g, ''))
        .join('\n'),
    )
    .digest('hex');
}
