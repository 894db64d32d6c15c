/**
 * SPDX 2.3 JSON (spdx.github.io/spdx-spec/v2.3). Each component is a Package with its purl as a
 * PACKAGE-MANAGER external reference (Annex F), edges are DEPENDS_ON relationships (section 11), and
 * the scanned source is the package the document DESCRIBES. SPDXIDs are derived from the purl, so they
 * are stable across runs and unique within the document.
 */
import { jsonChunks, uuidOfChunks } from './json-chunks.js';
import { createHash } from 'node:crypto';
import { VERSION } from '../../version.js';
import type { SbomResult } from '../generate.js';
import type { Component, ComponentType, HashAlgorithm, Origin } from '../model.js';
import type { DocumentOptions } from './cyclonedx.js';
import { documentUuid, isoSeconds } from './document-id.js';
import { looksLikeSpdxExpression } from './license-expression.js';

const ALG: Record<HashAlgorithm, string> = {
  'SHA-1': 'SHA1',
  'SHA-256': 'SHA256',
  'SHA-384': 'SHA384',
  'SHA-512': 'SHA512',
  MD5: 'MD5',
};

const PURPOSE: Record<ComponentType, string> = {
  library: 'LIBRARY',
  application: 'APPLICATION',
  framework: 'FRAMEWORK',
  'operating-system': 'OPERATING_SYSTEM',
};

/** `SPDXRef-Package-npm-left-pad-1a2b3c4d5e6f7a8b`: readable, and unique through the purl hash. */
export function spdxIdFor(kind: string, name: string, key: string): string {
  const clean = name.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 64);
  const h = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `SPDXRef-Package-${kind}-${clean}-${h}`;
}

function purlType(purl: string): string {
  return /^pkg:([a-z0-9.+-]+)\//.exec(purl)?.[1] ?? 'generic';
}

function pkg(c: Component): Record<string, unknown> {
  const declared = c.license && looksLikeSpdxExpression(c.license) ? c.license : 'NOASSERTION';
  return {
    name: c.name,
    SPDXID: spdxIdFor(purlType(c.purl), c.name, c.purl),
    versionInfo: c.version,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    ...(c.hashes.length > 0
      ? { checksums: c.hashes.map((h) => ({ algorithm: ALG[h.alg], checksumValue: h.content })) }
      : {}),
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: declared,
    copyrightText: 'NOASSERTION',
    sourceInfo: `found by ${c.foundBy.join(', ')} in ${c.locations.map((l) => (l.layer ? `${l.layer}:${l.path}` : l.path)).join(', ')}`,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: c.purl }],
    primaryPackagePurpose: PURPOSE[c.type],
    ...(c.origin ? { comment: `vouch:origin ${c.origin}: ${ORIGIN_TEXT[c.origin]}` } : {}),
  };
}

const ORIGIN_TEXT: Record<Origin, string> = {
  root: 'the project the lockfile belongs to',
  workspace: 'a workspace member of the project',
  local: 'a package from a local path, not a registry',
};

function withoutNamespace(result: SbomResult, opts: DocumentOptions): Record<string, unknown> {
  const name = result.image ? `${result.image.name}@${result.image.digest}` : result.source;
  const rootId = spdxIdFor(result.image ? 'image' : 'source', result.image?.name ?? 'root', name);
  const root: Record<string, unknown> = {
    name: result.image?.name ?? result.source.replace(/^dir:/, ''),
    SPDXID: rootId,
    ...(result.image ? { versionInfo: result.image.digest } : {}),
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: result.image ? 'CONTAINER' : 'SOURCE',
  };
  const packages: Array<Record<string, unknown>> = [root];
  const relationships: Array<Record<string, string>> = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId },
  ];
  if (result.os) {
    const osId = spdxIdFor('os', result.os.id, result.os.distro);
    packages.push({
      name: result.os.id,
      SPDXID: osId,
      versionInfo: result.os.versionId,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      ...(result.os.prettyName ? { description: result.os.prettyName } : {}),
      primaryPackagePurpose: 'OPERATING_SYSTEM',
    });
    relationships.push({ spdxElementId: rootId, relationshipType: 'CONTAINS', relatedSpdxElement: osId });
  }
  const idByPurl = new Map<string, string>();
  for (const c of result.components) {
    const p = pkg(c);
    idByPurl.set(c.purl, String(p['SPDXID']));
    packages.push(p);
  }
  for (const c of result.components) {
    const from = idByPurl.get(c.purl) ?? '';
    relationships.push({ spdxElementId: rootId, relationshipType: 'CONTAINS', relatedSpdxElement: from });
    for (const d of c.dependsOn) {
      const to = idByPurl.get(d);
      if (to)
        relationships.push({ spdxElementId: from, relationshipType: 'DEPENDS_ON', relatedSpdxElement: to });
    }
  }
  const doc: Record<string, unknown> = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: '',
    creationInfo: {
      created: isoSeconds(opts.now),
      creators: [`Tool: vouch-${VERSION}`],
      // Warnings travel with the document: a reader of the SBOM alone can tell it may be incomplete.
      ...(result.warnings.length > 0
        ? { comment: result.warnings.map((w) => `vouch:warning ${w.path}: ${w.message}`).join('\n') }
        : {}),
    },
    packages,
    relationships,
  };
  return doc;
}

function namespace(doc: Record<string, unknown>, uuid: string): string {
  const slug = String(doc['name'])
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .slice(0, 80);
  return `https://vouch.invalid/spdxdocs/${slug}-${uuid}`;
}

/** Builds an SPDX 2.3 document object for `result`, namespace included. */
export function toSpdx(result: SbomResult, opts: DocumentOptions): Record<string, unknown> {
  const doc = withoutNamespace(result, opts);
  doc['documentNamespace'] = namespace(
    doc,
    documentUuid(opts.deterministic ? JSON.stringify(doc, null, 2) : undefined),
  );
  return doc;
}

/** SPDX JSON text as chunks (src/sbom/formats/json-chunks.ts): the text serializeSpdx gives. */
export function* spdxChunks(result: SbomResult, opts: DocumentOptions): Generator<string> {
  const doc = withoutNamespace(result, opts);
  doc['documentNamespace'] = namespace(
    doc,
    opts.deterministic ? uuidOfChunks(jsonChunks(doc)) : documentUuid(undefined),
  );
  yield* jsonChunks(doc);
  yield '\n';
}

/** SPDX JSON text, with a trailing newline; stringified once, as serializeCycloneDx. */
export function serializeSpdx(result: SbomResult, opts: DocumentOptions): string {
  const doc = withoutNamespace(result, opts);
  const text = JSON.stringify(doc, null, 2);
  const ns = namespace(doc, documentUuid(opts.deterministic ? text : undefined));
  return `${text.replace('"documentNamespace": ""', `"documentNamespace": ${JSON.stringify(ns)}`)}\n`;
}
