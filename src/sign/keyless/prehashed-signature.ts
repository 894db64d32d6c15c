import { constants, type KeyObject, publicDecrypt } from 'node:crypto';

/**
 * Verifies a signature over a message given only the message's SHA-256 digest ("prehashed"), which
 * `verify-blob sha256:<hex>` needs for Sigstore message-signature bundles: node:crypto hashes the data
 * itself and has no prehash mode for ECDSA. ECDSA (P-256, P-384) is checked with the textbook
 * verification equation (SEC 1 v2 §4.1.4) over public values only, so constant time does not matter;
 * RSA PKCS#1 v1.5 by recovering the DigestInfo (RFC 8017 §8.2.2). Other schemes return false.
 */
export function verifyPrehashed(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return verifyEcdsaPrehashed(key, digest, signature);
    case 'rsa':
      return verifyRsaPkcs1Prehashed(key, digest, signature);
    default:
      return false;
  }
}

interface Curve {
  p: bigint;
  a: bigint;
  n: bigint;
  g: Point;
}
type Point = { x: bigint; y: bigint } | null;

// SEC 2 v2 §2.4.2 (secp256r1) and §2.5.1 (secp384r1); a = p - 3 for both.
const CURVES: Record<string, Curve> = {
  'P-256': curve(
    'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff',
    'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
    '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296',
    '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
  ),
  'P-384': curve(
    'fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff',
    'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    'aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7',
    '3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f',
  ),
};

function curve(p: string, n: string, gx: string, gy: string): Curve {
  const P = BigInt(`0x${p}`);
  return { p: P, a: P - 3n, n: BigInt(`0x${n}`), g: { x: BigInt(`0x${gx}`), y: BigInt(`0x${gy}`) } };
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

function add(c: Curve, P: Point, Q: Point): Point {
  if (P === null) return Q;
  if (Q === null) return P;
  let l: bigint;
  if (P.x === Q.x) {
    if (mod(P.y + Q.y, c.p) === 0n) return null;
    l = mod((3n * P.x * P.x + c.a) * inverse(2n * P.y, c.p), c.p);
  } else {
    l = mod((Q.y - P.y) * inverse(Q.x - P.x, c.p), c.p);
  }
  const x = mod(l * l - P.x - Q.x, c.p);
  return { x, y: mod(l * (P.x - x) - P.y, c.p) };
}

function multiply(c: Curve, k: bigint, P: Point): Point {
  let acc: Point = null;
  let base = P;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) acc = add(c, acc, base);
    base = add(c, base, base);
  }
  return acc;
}

/** Reads a DER ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }), short-form lengths only (≤ P-384). */
function derSignature(sig: Buffer): { r: bigint; s: bigint } | undefined {
  let i = 0;
  if (sig[i++] !== 0x30) return undefined;
  let len = sig[i++];
  if (len === 0x81) len = sig[i++];
  if (len === undefined || len !== sig.length - i) return undefined;
  const ints: bigint[] = [];
  for (let k = 0; k < 2; k++) {
    if (sig[i++] !== 0x02) return undefined;
    const l = sig[i++];
    if (l === undefined || l === 0 || i + l > sig.length) return undefined;
    ints.push(BigInt(`0x${sig.subarray(i, i + l).toString('hex')}`));
    i += l;
  }
  const [r, s] = ints;
  return i === sig.length && r !== undefined && s !== undefined ? { r, s } : undefined;
}

function verifyEcdsaPrehashed(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const jwk = key.export({ format: 'jwk' });
  const c = jwk.crv ? CURVES[jwk.crv] : undefined;
  const rs = derSignature(signature);
  if (!c || !rs || !jwk.x || !jwk.y) return false;
  const { r, s } = rs;
  if (r <= 0n || r >= c.n || s <= 0n || s >= c.n) return false;
  const Q = {
    x: BigInt(`0x${Buffer.from(jwk.x, 'base64url').toString('hex')}`),
    y: BigInt(`0x${Buffer.from(jwk.y, 'base64url').toString('hex')}`),
  };
  // SEC 1 §4.1.4 step 3-5: e is the leftmost bitlen(n) bits of the hash.
  const nBits = c.n.toString(2).length;
  let e = BigInt(`0x${digest.toString('hex') || '0'}`);
  if (digest.length * 8 > nBits) e >>= BigInt(digest.length * 8 - nBits);
  const w = inverse(s, c.n);
  const X = add(c, multiply(c, mod(e * w, c.n), c.g), multiply(c, mod(r * w, c.n), Q));
  return X !== null && mod(X.x, c.n) === r;
}

/** DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

function verifyRsaPkcs1Prehashed(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  if (digest.length !== 32) return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    // A signature that does not decrypt to a well-padded block is simply not valid.
    return false;
  }
  return recovered.equals(Buffer.concat([SHA256_DIGEST_INFO, digest]));
}
