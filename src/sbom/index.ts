/** Public API of the SBOM area: generate from a FileTree, write CycloneDX / SPDX / table. */
export { generateSbom, type GenerateSbomOptions, type SbomResult, type SbomWarning } from './generate.js';
export type { FileCandidate, FileTree, ImageIdentity, TreeFile, TreeWarning } from './file-tree.js';
export { openDirTree, type DirTreeOptions } from './sources/dir.js';
export { openImageLayersTree, type ImageLayersTreeOptions } from './sources/image-layers.js';
export { singleFileTree } from './sources/single-file.js';
export { redactCredentials, redactPurl } from './redact.js';
export {
  type OpenedSbomSource,
  type OpenSbomSourceOptions,
  openSbomSource,
  parseSbomSource,
} from './source.js';
export type {
  Component,
  ComponentType,
  Hash,
  HashAlgorithm,
  Location,
  Origin,
  OsInfo,
  Scope,
} from './model.js';
export { parseOsRelease } from './os-release.js';
export {
  allCatalogers,
  type Cataloger,
  type CatalogContext,
  type CatalogInput,
  type CatalogResult,
} from './catalogers/index.js';
export {
  serializeCycloneDx,
  toCycloneDx,
  type CycloneDxOptions,
  type CycloneDxVersion,
  type DocumentOptions,
} from './formats/cyclonedx.js';
export { serializeSpdx, toSpdx } from './formats/spdx.js';
export { renderTable } from './formats/table.js';
export {
  parseSbomOutputs,
  renderSbom,
  type RenderOptions,
  type SbomFormat,
  type SbomOutput,
} from './formats/output.js';
export { npmPurl, pypiPurl, golangPurl, mavenPurl, osPurl, pep503 } from './purl.js';
export { excludeFromTree } from './exclude-glob.js';
export { jsonChunks } from './formats/json-chunks.js';
export { renderSbomChunks } from './formats/output.js';
