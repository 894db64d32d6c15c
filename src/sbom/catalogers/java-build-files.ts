/**
 * Java build files: Gradle dependency locks (`gradle.lockfile`, docs.gradle.org "Locking dependency
 * versions": `group:artifact:version=conf1,conf2`) and Maven `pom.xml` declared dependencies
 * (maven.apache.org/pom.html#Dependencies). The POM is read by bounded pattern extraction, not a full
 * XML parser: only `<dependency>` blocks and `<properties>` are needed, and versions that stay
 * `${unresolved}` (parent POM, BOM imports) are reported as warnings rather than guessed.
 */
import type { ComponentDraft, Scope } from '../model.js';
import { mavenPurl } from '../purl.js';
import { type CatalogResult, type Cataloger, baseName, text } from './cataloger.js';

export const gradleLockCataloger: Cataloger = {
  name: 'java-gradle-lockfile-cataloger',
  matches: (path) =>
    // `gradle.lockfile`, the buildscript's `buildscript-gradle.lockfile` (and `settings-gradle.lockfile`),
    // and the Gradle 6 per-configuration `gradle/dependency-locks/*.lockfile`.
    /^(?:[\w-]+-)?gradle\.lockfile$/.test(baseName(path)) ||
    /(?:^|\/)gradle\/dependency-locks\/[^/]+\.lockfile$/.test(path),
  catalog(input): CatalogResult {
    const out: ComponentDraft[] = [];
    for (const raw of text(input.bytes).split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith('empty=')) continue;
      const [coords, confs = ''] = line.split('=');
      const [g, a, v] = (coords ?? '').split(':');
      if (!g || !a || !v) continue;
      // Locked only for test configurations (`testRuntimeClasspath`, `java17TestCompileClasspath`): dev.
      const configurations = confs.split(',').filter((c) => c !== '');
      const dev = configurations.length > 0 && configurations.every((c) => /(?:^test|Test)[A-Z]/.test(c));
      out.push({ name: `${g}:${a}`, version: v, purl: mavenPurl(g, a, v), scope: dev ? 'dev' : 'required' });
    }
    return { components: out, warnings: [] };
  },
};

function tag(block: string, name: string): string | undefined {
  // Greedy `[^<]*` then trim: a lazy group before `\s*` is quadratic on a long run of spaces.
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(block);
  return m?.[1]?.trim();
}

function stripComments(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, '');
}

/**
 * A concrete version for a Maven version requirement (maven.apache.org/pom.html "Dependency Version
 * Requirement Specification"): a plain version is itself; a range `[1.0,2.0)`, `[1.5]` or `(,1.0]` is
 * not a version, and Maven picks the highest match from the repository, which a POM alone cannot tell.
 * The range's inclusive bound (lower first) is a version that satisfies it, the one mature scanners
 * report; a range with no inclusive bound gives undefined. Only the first of several sets is read.
 */
export function versionInRange(spec: string): string | undefined {
  const s = spec.trim();
  if (!/^[[(]/.test(s)) return s;
  // Real ranges are short; a long one is hostile or broken, and the pattern below is not linear in it.
  if (s.length > 256) return undefined;
  const m = /^([[(])\s*([^,\])]*?)\s*(?:,\s*([^\])]*?)\s*)?([\])])/.exec(s);
  if (!m) return undefined;
  const [, open, lower, upper, close] = m;
  if (open === '[' && lower) return lower;
  if (upper === undefined && open === '[' && close === ']') return lower || undefined;
  if (close === ']' && upper) return upper;
  return undefined;
}

export const mavenPomCataloger: Cataloger = {
  name: 'java-pom-cataloger',
  matches: (path) => baseName(path) === 'pom.xml',
  catalog(input): CatalogResult {
    const xml = stripComments(text(input.bytes));
    const props = new Map<string, string>();
    const propsBlock = /<properties>([\s\S]*?)<\/properties>/.exec(xml)?.[1] ?? '';
    for (const m of propsBlock.matchAll(/<([A-Za-z0-9_.-]+)>([^<]*)<\/\1>/g)) {
      if (m[1] && m[2] !== undefined) props.set(m[1], m[2].trim());
    }
    const project = xml.replace(/<parent>[\s\S]*?<\/parent>/, '').replace(/<dependencies>[\s\S]*$/, '');
    const projectVersion =
      tag(project, 'version') ?? tag(/<parent>[\s\S]*?<\/parent>/.exec(xml)?.[0] ?? '', 'version');
    if (projectVersion) props.set('project.version', projectVersion);
    const resolve = (s: string | undefined): string | undefined =>
      s?.replace(/\$\{([^}]+)\}/g, (whole, k: string) => props.get(k) ?? whole);
    // <dependencyManagement> pins versions without adding dependencies: it only fills in versions the
    // project's own <dependencies> leave out.
    const managed = new Map<string, string>();
    const mgmt = /<dependencyManagement>([\s\S]*?)<\/dependencyManagement>/.exec(xml)?.[1] ?? '';
    for (const m of mgmt.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)) {
      const block = m[1] ?? '';
      const v = resolve(tag(block, 'version'));
      if (v) managed.set(`${resolve(tag(block, 'groupId'))}:${resolve(tag(block, 'artifactId'))}`, v);
    }
    const body = xml
      .replace(/<dependencyManagement>[\s\S]*?<\/dependencyManagement>/g, '')
      .replace(/<plugins>[\s\S]*?<\/plugins>/g, '');
    const out: ComponentDraft[] = [];
    const warnings: string[] = [];
    for (const m of body.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)) {
      const block = m[1] ?? '';
      const g = resolve(tag(block, 'groupId'));
      const a = resolve(tag(block, 'artifactId'));
      const v = resolve(tag(block, 'version')) ?? managed.get(`${g}:${a}`);
      if (!g || !a) continue;
      if (!v || v.includes('${')) {
        warnings.push(`${input.path}: ${g}:${a} has no resolvable version (parent POM or BOM); not listed`);
        continue;
      }
      const version = versionInRange(v);
      if (version === undefined) {
        warnings.push(`${input.path}: ${g}:${a} version range ${v} has no inclusive bound; not listed`);
        continue;
      }
      if (version !== v)
        warnings.push(`${input.path}: ${g}:${a} version range ${v} is listed at its bound ${version}`);
      const s = tag(block, 'scope');
      const scope: Scope =
        s === 'test'
          ? 'dev'
          : s === 'provided' || tag(block, 'optional') === 'true'
            ? 'optional'
            : 'required';
      out.push({ name: `${g}:${a}`, version, purl: mavenPurl(g, a, version), scope });
    }
    return { components: out, warnings };
  },
};
