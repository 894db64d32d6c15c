import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VouchError } from '../../errors.js';

/**
 * The Sigstore public-good trusted_root.json that @sigstore/tuf ships as its TUF seed target, read
 * offline (vouch never fetches it over TUF). An edge reader: it reads the installed package's file.
 * It is as fresh as the installed @sigstore/tuf; `--trusted-root` overrides it.
 * @throws INTERNAL (the installed @sigstore/tuf carries no public-good root)
 */
export function publicGoodTrustedRootBytes(): Buffer {
  const seeds = createRequire(import.meta.url).resolve('@sigstore/tuf/seeds.json');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(seeds, 'utf8'));
  } catch (e) {
    throw new VouchError('INTERNAL', `@sigstore/tuf seeds.json is unreadable: ${String(e)}`);
  }
  const targets = (doc as Record<string, { targets?: Record<string, unknown> } | undefined>)[
    'https://tuf-repo-cdn.sigstore.dev'
  ]?.targets;
  const b64 = targets?.['trusted_root.json'];
  if (typeof b64 !== 'string') {
    throw new VouchError('INTERNAL', '@sigstore/tuf seeds.json has no public-good trusted_root.json');
  }
  return Buffer.from(b64, 'base64');
}

/** What messages call the bundled public-good root. */
export const PUBLIC_GOOD_ROOT_NAME = 'Sigstore public-good trusted_root.json (bundled with @sigstore/tuf)';
