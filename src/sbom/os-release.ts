/**
 * os-release(5): `/etc/os-release`, falling back to `/usr/lib/os-release`. Shell-style `KEY=value`
 * lines with optional quotes; only ID, VERSION_ID, ID_LIKE and PRETTY_NAME matter for SBOMs.
 */
import type { OsInfo } from './model.js';

export const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'] as const;

/** Parses os-release text; undefined when it names no ID. */
export function parseOsRelease(source: string): OsInfo | undefined {
  const f = new Map<string, string>();
  for (const raw of source.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(raw);
    if (!m?.[1]) continue;
    let v = (m[2] ?? '').trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    f.set(m[1], v);
  }
  const id = f.get('ID')?.toLowerCase();
  if (!id) return undefined;
  // Rolling releases (Arch, Wolfi edge) may have no VERSION_ID; syft then uses the ID alone.
  const versionId = f.get('VERSION_ID') ?? '';
  const prettyName = f.get('PRETTY_NAME');
  return {
    id,
    versionId,
    ...(prettyName ? { prettyName } : {}),
    idLike: (f.get('ID_LIKE') ?? '').split(/\s+/).filter((x) => x !== ''),
    distro: versionId ? `${id}-${versionId}` : id,
  };
}
