/**
 * Go executables' embedded build information (what `go version -m` prints; Go's
 * src/debug/buildinfo/buildinfo.go). The linker writes a 32-byte header starting with the magic
 * "\xff Go buildinf:" into the `.go.buildinfo` section (ELF), `__go_buildinfo` (Mach-O) or `.data` (PE),
 * aligned to 16 bytes. Since Go 1.18 (flag bit 2) the version and module strings follow inline as
 * varint-length-prefixed strings, so scanning for the aligned magic finds them in any of the three
 * formats without parsing section tables. Older binaries store pointers instead: reported, not read.
 */
import type { ComponentDraft } from '../model.js';
import { golangPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, text } from './cataloger.js';
import { stdlibComponent } from './go-mod.js';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const EXECUTABLE_MAGICS = [
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0xcf, 0xfa, 0xed, 0xfe], // Mach-O 64 LE
  [0xce, 0xfa, 0xed, 0xfe], // Mach-O 32 LE
  [0x4d, 0x5a], // PE "MZ"
];

function isExecutable(b: Uint8Array): boolean {
  return EXECUTABLE_MAGICS.some((m) => m.every((x, i) => b[i] === x));
}

function readVarint(b: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < Math.min(b.length, pos + 10); i++) {
    const byte = b[i] ?? 0;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

function readBytes(b: Uint8Array, pos: number): { value: Uint8Array; next: number } | undefined {
  const len = readVarint(b, pos);
  if (!len || len.next + len.value > b.length) return undefined;
  return { value: b.subarray(len.next, len.next + len.value), next: len.next + len.value };
}

export interface GoBuildInfo {
  goVersion: string;
  path?: string;
  main?: { path: string; version: string };
  deps: Array<{ path: string; version: string }>;
}

/** Finds and decodes build info; undefined when the file is not a Go binary. */
export function readGoBuildInfo(b: Uint8Array): GoBuildInfo | 'pre-1.18' | undefined {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let at = buf.indexOf(MAGIC);
  while (at >= 0 && at % 16 !== 0) at = buf.indexOf(MAGIC, at + 1);
  if (at < 0 || at + 32 > b.length) return undefined;
  const flags = b[at + 15] ?? 0;
  if ((flags & 2) === 0) return 'pre-1.18';
  const ver = readBytes(b, at + 32);
  if (!ver) return undefined;
  const mod = readBytes(b, ver.next);
  const info: GoBuildInfo = { goVersion: text(ver.value), deps: [] };
  // The module text is framed by 16-byte binary sentinels on each side (runtime/debug modinfo): cut
  // them as bytes, before decoding, since they are not valid UTF-8.
  const body = mod && mod.value.length >= 33 ? text(mod.value.subarray(16, mod.value.length - 16)) : '';
  let last: { path: string; version: string } | undefined;
  for (const line of body.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'path' && f[1]) info.path = f[1];
    else if (f[0] === 'mod' && f[1]) info.main = { path: f[1], version: f[2] ?? '' };
    else if (f[0] === 'dep' && f[1] && f[2]) {
      last = { path: f[1], version: f[2] };
      info.deps.push(last);
    } else if (f[0] === '=>' && f[1] && f[2] && last) {
      // A replaced dependency: the replacement is what was compiled in.
      last.path = f[1];
      last.version = f[2];
    }
  }
  return info;
}

export const goBinaryCataloger: Cataloger = {
  name: 'go-module-binary-cataloger',
  quietWhenEmpty: true,
  // Executables only (any x bit); their bytes are then checked for an executable format magic.
  matches: (_path, mode, size) => mode !== undefined && (mode & 0o111) !== 0 && size > 1024,
  catalog(input): CatalogResult {
    if (!isExecutable(input.bytes)) return { components: [], warnings: [] };
    const info = readGoBuildInfo(input.bytes);
    if (info === undefined) return { components: [], warnings: [] };
    if (info === 'pre-1.18') {
      return {
        components: [],
        warnings: [`${input.path}: Go binary built before Go 1.18; its build info is not read`],
      };
    }
    const out: ComponentDraft[] = [];
    const warnings: string[] = [];
    const deps = info.deps.map((d) => golangPurl(d.path, d.version));
    info.deps.forEach((d, i) => {
      out.push({ name: d.path, version: d.version, purl: deps[i] ?? golangPurl(d.path, d.version) });
    });
    // `(devel)` is the main module of a local build: no released version to name.
    if (info.main && info.main.version !== '(devel)' && info.main.version !== '') {
      out.push({
        name: info.main.path,
        version: info.main.version,
        purl: golangPurl(info.main.path, info.main.version),
        type: 'application',
        dependsOn: deps,
      });
    }
    // The standard library is a dependency too (syft and grype call it `stdlib`); its CVEs matter.
    // `go1.22.5 X:boringcrypto` names experiments after the version: only the version counts.
    const goVersion = /^go(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)/.exec(info.goVersion)?.[1];
    if (goVersion) out.push(stdlibComponent(goVersion));
    else warnings.push(`${input.path}: Go version "${info.goVersion}" is not a release; no stdlib listed`);
    return { components: out, warnings };
  },
};
