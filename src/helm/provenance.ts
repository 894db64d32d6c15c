/**
 * Helm provenance files (`CHART.tgz.prov`), as helm v3's pkg/provenance writes and checks them: an
 * OpenPGP cleartext-signed message whose text is the chart's metadata (sigs.k8s.io/yaml) followed by
 * `\n...\n` and a `files:` map from the archive's file name to `sha256:<hex>` of the archive bytes.
 * Signing reproduces helm 3.21's framing byte for byte (header, dash escaping, 64-column armor);
 * the signature itself comes from openpgp.js (LGPL-3.0+), SHA-512 as helm's default config asks.
 * Verification accepts helm's and GnuPG's files alike: the signature must come from a key in the
 * keyring, then the archive's SHA-256 must be the one the signed text names for that file name.
 */
import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import { parse } from 'yaml';
import { VouchError } from '../errors.js';
import { readChartYaml } from './chart-archive.js';
import { parseChartMetadata } from './chart-metadata.js';
import { marshalGoYaml } from './go-yaml.js';

export type Keyring = readonly openpgp.Key[];

/**
 * Reads a keyring file: binary (gpg --export, secring.gpg, pubring.gpg) or ASCII-armored, public or
 * secret keys, one or many.
 * @throws INPUT_MALFORMED when the bytes are not OpenPGP keys
 */
export async function readKeyring(bytes: Uint8Array, what: string): Promise<Keyring> {
  const text = Buffer.from(bytes).subarray(0, 64).toString('latin1');
  try {
    const keys = text.includes('-----BEGIN PGP')
      ? await openpgp.readKeys({ armoredKeys: Buffer.from(bytes).toString('utf8') })
      : await openpgp.readKeys({ binaryKeys: bytes });
    if (keys.length === 0) throw new Error('no keys');
    return keys;
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not an OpenPGP keyring (${(e as Error).message})`, {
      cause: e,
      hint: 'export one with `gpg --export KEY > pubring.gpg` or `gpg --export-secret-keys KEY > secring.gpg`',
    });
  }
}

function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * The text helm signs for a chart: its metadata, `...`, and the archive's digest under its file name.
 * @throws codes of readChartYaml and parseChartMetadata
 */
export async function messageBlock(archive: Uint8Array, filename: string): Promise<string> {
  const meta = parseChartMetadata(await readChartYaml(archive, filename), filename);
  const sums = { files: { [filename]: `sha256:${sha256Hex(archive)}` } };
  return `${marshalGoYaml(meta.fields)}\n...\n${marshalGoYaml(sums)}`;
}

/** helm's NewFromKeyring: an identity equal to `name`, else the only one containing it. */
function selectKey(keys: Keyring, name: string): openpgp.Key {
  let candidate: openpgp.Key | undefined;
  let vague = false;
  for (const k of keys) {
    for (const id of k.getUserIDs()) {
      if (id === name) return k;
      if (id.includes(name)) {
        if (candidate && candidate !== k) vague = true;
        candidate = k;
      }
    }
  }
  if (vague) throw new VouchError('USAGE', `more than one key contain the id "${name}"`);
  if (!candidate)
    throw new VouchError('NOT_FOUND', `private key not found: no identity in the keyring matches "${name}"`, {
      hint: 'list identities with `gpg --list-secret-keys`',
    });
  return candidate;
}

/**
 * go-crypto's armor as helm 3.21 writes it (EncodeWithChecksumOption(…, false)): 64-column base64, no
 * CRC line (RFC 9580 makes it optional), no newline after the END line.
 */
function armorSignature(packets: Uint8Array): string {
  const lines =
    Buffer.from(packets)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN PGP SIGNATURE-----\n\n${lines.join('\n')}\n-----END PGP SIGNATURE-----`;
}

const HASH_NAMES: Readonly<Record<number, string>> = {
  [openpgp.enums.hash.sha256]: 'SHA256',
  [openpgp.enums.hash.sha384]: 'SHA384',
  [openpgp.enums.hash.sha512]: 'SHA512',
  [openpgp.enums.hash.sha224]: 'SHA224',
};

/**
 * Clearsigns a chart as `helm package --sign` / `helm sign` do.
 * @throws NOT_FOUND (no matching key), USAGE (ambiguous name, or a public key), WRONG_PASSWORD, and the
 * chart reading codes
 */
export async function signChart(
  archive: Uint8Array,
  filename: string,
  keyring: Keyring,
  keyName: string,
  passphrase: string | undefined,
  now: Date,
): Promise<string> {
  const text = await messageBlock(archive, filename);
  const selected = selectKey(keyring, keyName);
  if (!selected.isPrivate())
    throw new VouchError(
      'USAGE',
      'provided key is not a private key. Try providing a keyring with secret keys',
    );
  let key = selected as openpgp.PrivateKey;
  if (!key.isDecrypted()) {
    if (passphrase === undefined)
      throw new VouchError('WRONG_PASSWORD', `the key of "${keyName}" is protected by a passphrase`, {
        hint: 'set HELM_KEY_PASSPHRASE or pass --passphrase-file',
      });
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch (e) {
      throw new VouchError('WRONG_PASSWORD', `the passphrase does not unlock the key of "${keyName}"`, {
        cause: e,
      });
    }
  }
  // Cleartext signatures hash each line without trailing whitespace, lines joined by CRLF (RFC 4880
  // §7.1). helm 3.21's clearsign (ProtonMail go-crypto v1) hashes the text's final line break too and
  // writes one more before the signature; a text signature over that canonical text is the same one.
  const lines = text.split('\n').map((l) => l.replace(/[ \t\r]+$/, ''));
  const signedText = lines.join('\n');
  const binary = await openpgp.sign({
    message: await openpgp.createMessage({ text: signedText }),
    signingKeys: key,
    detached: true,
    format: 'binary',
    date: now,
    config: {
      preferredHashAlgorithm: openpgp.enums.hash.sha512,
      nonDeterministicSignaturesViaNotation: false,
    },
  });
  const sig = await openpgp.readSignature({ binarySignature: binary });
  const hash = HASH_NAMES[sig.packets[0]?.hashAlgorithm ?? openpgp.enums.hash.sha512] ?? 'SHA512';
  const escaped = lines.map((l) => (l.startsWith('-') ? `- ${l}` : l)).join('\n');
  return `-----BEGIN PGP SIGNED MESSAGE-----\nHash: ${hash}\n\n${escaped}\n${armorSignature(binary)}`;
}

export interface ChartVerification {
  /** The identities of the signing key, as helm lists them. */
  readonly signedBy: readonly string[];
  /** The primary key's fingerprint, upper-case hex. */
  readonly fingerprint: string;
  readonly fileName: string;
  readonly fileHash: string;
}

/**
 * Verifies a chart against its provenance file, as `helm verify` does.
 * @throws SIGNATURE_INVALID (no signature block, bad signature, unknown signer), DIGEST_MISMATCH (the
 * archive is not the one signed), INPUT_MALFORMED (no files entry for the archive)
 */
export async function verifyChart(
  archive: Uint8Array,
  filename: string,
  prov: string,
  provName: string,
  keyring: Keyring,
): Promise<ChartVerification> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: prov });
  } catch (e) {
    throw new VouchError('SIGNATURE_INVALID', `${provName}: signature block not found`, { cause: e });
  }
  const result = await openpgp.verify({ message, verificationKeys: [...keyring] });
  const sig = result.signatures[0];
  if (!sig) throw new VouchError('SIGNATURE_INVALID', `${provName}: no signature in the signature block`);
  const signer = keyring.find((k) => k.getKeys(sig.keyID).length > 0);
  if (!signer)
    throw new VouchError(
      'UNTRUSTED_SIGNER',
      `${provName}: signature made by unknown entity (key ${sig.keyID.toHex().toUpperCase()})`,
      {
        hint: "the keyring does not hold the signer's public key; import it, or do not trust this chart",
      },
    );
  try {
    await sig.verified;
  } catch (e) {
    throw new VouchError('SIGNATURE_INVALID', `${provName}: invalid signature: ${(e as Error).message}`, {
      cause: e,
      hint: 'the signed text was changed after signing, or the signature is not over it',
    });
  }
  const text = message.getText();
  const parts = text.split('\n...\n');
  if (parts.length < 2)
    throw new VouchError('INPUT_MALFORMED', `${provName}: message block must have at least two parts`);
  let sums: unknown;
  try {
    sums = parse(parts[1] ?? '', { maxAliasCount: 10 });
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${provName}: the files section is not YAML`, { cause: e });
  }
  const files = typeof sums === 'object' && sums !== null ? (sums as { files?: unknown }).files : undefined;
  const expected =
    typeof files === 'object' && files !== null ? (files as Record<string, unknown>)[filename] : undefined;
  if (typeof expected !== 'string')
    throw new VouchError(
      'VERIFICATION_FAILED',
      `${provName}: provenance does not contain a SHA for a file named "${filename}"`,
    );
  const sum = `sha256:${sha256Hex(archive)}`;
  if (expected !== sum)
    throw new VouchError(
      'DIGEST_MISMATCH',
      `sha256 sum does not match for ${filename}: "${expected}" != "${sum}"`,
      {
        hint: `${filename} is not the archive ${provName} signed: it was changed, or it is another chart`,
      },
    );
  return {
    signedBy: signer.getUserIDs(),
    fingerprint: signer.getFingerprint().toUpperCase(),
    fileName: filename,
    fileHash: sum,
  };
}

/** What `helm verify` prints. */
export function renderVerification(v: ChartVerification): string {
  return `${v.signedBy.map((id) => `Signed by: ${id}\n`).join('')}Using Key With Fingerprint: ${v.fingerprint}\nChart Hash Verified: ${v.fileHash}\n`;
}
