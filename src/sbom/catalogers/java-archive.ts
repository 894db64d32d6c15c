/**
 * Java archives (.jar/.war/.ear and Jenkins .hpi/.jpi): Maven coordinates from
 * `META-INF/maven/<group>/<artifact>/pom.properties` (one per artifact, several in shaded jars), else
 * from `META-INF/MANIFEST.MF` (JAR File Specification, "Main Attributes"). Nested archives
 * (Spring Boot `BOOT-INF/lib/`, WAR `WEB-INF/lib/`) are read recursively, to a bounded depth and within
 * one byte budget.
 */
import { VouchError, describeCause } from '../../errors.js';
import type { ComponentDraft } from '../model.js';
import { mavenPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';
import { type ZipEntry, listZip, readZipEntry } from './jar-zip.js';

const ARCHIVE = /\.(?:jar|war|ear|hpi|jpi)$/i;
const NESTED_DEPTH_MAX = 4;
const POM_PROPS = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;

function properties(source: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const eq = line.search(/[=:]/);
    if (eq > 0) m.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return m;
}

/** MANIFEST.MF main section: `Key: value` with 72-byte lines continued by a leading space. */
function manifest(source: string): Map<string, string> {
  const m = new Map<string, string>();
  const lines = source.replace(/\r?\n /g, '').split(/\r?\n/);
  for (const line of lines) {
    if (line === '') break;
    const c = line.indexOf(': ');
    if (c > 0) m.set(line.slice(0, c), line.slice(c + 2).trim());
  }
  return m;
}

interface Budget {
  left: number;
}

function catalogArchive(
  bytes: Uint8Array,
  what: string,
  depth: number,
  budget: Budget,
  out: ComponentDraft[],
  warnings: string[],
): void {
  const entries = listZip(bytes, what);
  const read = (e: ZipEntry): Uint8Array => {
    if (e.size > budget.left)
      throw new VouchError('INPUT_TOO_LARGE', `${what}!${e.name}: over the nested-archive budget`);
    const b = readZipEntry(bytes, e, budget.left, what);
    budget.left -= b.length;
    return b;
  };
  let found = 0;
  for (const e of entries) {
    if (!POM_PROPS.test(e.name)) continue;
    const p = properties(text(read(e)));
    const g = p.get('groupId');
    const a = p.get('artifactId');
    const v = p.get('version');
    if (!g || !a || !v) continue;
    out.push({ name: `${g}:${a}`, version: v, purl: mavenPurl(g, a, v) });
    found++;
  }
  if (found === 0) {
    const mf = entries.find((e) => e.name === 'META-INF/MANIFEST.MF');
    const m = mf ? manifest(text(read(mf))) : new Map<string, string>();
    const file = baseName(what).replace(ARCHIVE, '');
    const fromName = /^(.+?)-(\d[\w.-]*)$/.exec(file);
    const version = m.get('Implementation-Version') ?? m.get('Bundle-Version') ?? fromName?.[2];
    const artifact = fromName?.[1] ?? file;
    const symbolic = m.get('Bundle-SymbolicName')?.split(';')[0];
    const group =
      m.get('Implementation-Vendor-Id') ??
      (symbolic?.includes('.') ? symbolic.slice(0, symbolic.lastIndexOf('.')) : undefined) ??
      artifact;
    if (version)
      out.push({ name: `${group}:${artifact}`, version, purl: mavenPurl(group, artifact, version) });
    else warnings.push(`${what}: no Maven coordinates or version found`);
  }
  if (depth >= NESTED_DEPTH_MAX) return;
  for (const e of entries) {
    if (!ARCHIVE.test(e.name) || e.name.endsWith('/')) continue;
    const nestedWhat = `${what}!${e.name}`;
    try {
      catalogArchive(read(e), nestedWhat, depth + 1, budget, out, warnings);
    } catch (err) {
      // A broken nested jar is the nested jar's problem: the outer archive's packages still count.
      if (err instanceof VouchError && err.code !== 'INTERNAL')
        warnings.push(`${nestedWhat}: ${describeCause(err)}`);
      else throw err;
    }
  }
}

export const javaArchiveCataloger: Cataloger = {
  name: 'java-archive-cataloger',
  matches: (path) => ARCHIVE.test(path),
  catalog(input, ctx): CatalogResult {
    const out: ComponentDraft[] = [];
    const warnings: string[] = [];
    catalogArchive(input.bytes, input.path, 0, { left: ctx.maxBytes }, out, warnings);
    return { components: out, warnings };
  },
};
