export { copyImage, type CopyOptions, type CopyResult } from './copy.js';
export {
  type Digest,
  type DigestAlgorithm,
  digestAlgorithm,
  digestHex,
  digestOf,
  digestTag,
  isDigest,
  parseDigest,
  sha256Digest,
} from './digest.js';
export { openDockerArchive, DockerArchiveReader, type DockerArchiveOptions } from './docker-archive.js';
export {
  buildImage,
  buildIndex,
  composeImage,
  composeIndex,
  type ComposedImage,
  type ComposedIndex,
  type ImageFile,
  type ImageSpec,
} from './image-builder.js';
export type { FetchedManifest, ImageReader, ImageWriter } from './image-store.js';
export { inspectImage, type InspectResult } from './inspect.js';
export { createOciLayoutWriter, openOciLayout, OciLayoutReader, OciLayoutWriter } from './layout-dir.js';
export { LayoutRepository, LayoutRepositoryWriter } from './layout-repository.js';
export {
  type Descriptor,
  formatPlatform,
  type ImageIndex,
  type ImageManifest,
  type Manifest,
  parseManifest,
  parsePlatform,
  type Platform,
  platformMatches,
} from './manifest.js';
export { MediaType, MANIFEST_ACCEPT } from './media-types.js';
export {
  type OpenContext,
  openImageReader,
  openImageWriter,
  type OpenedReader,
  type OpenedWriter,
} from './open.js';
export {
  familiarName,
  formatReference,
  parseReference,
  type Reference,
  repositoryName,
  withDigest,
  withTag,
} from './reference.js';
export { RegistryClient, registryClientFromEnv, RegistryRepository } from './registry-client.js';
export { resolveImageDigest, type ResolvedDigest } from './resolve.js';
export {
  type ImageSourceSpec,
  parseImageSourceSpec,
  parseSourceSpec,
  type SourceSpec,
} from './source-spec.js';
export { type ImageLayer, imageLayers } from './image-layers.js';
export { recordLogin } from './docker-login.js';
export { INDEX_MEDIA_TYPES } from './media-types.js';
export { layoutRepositoryOpener } from './layout-repository.js';
export { isIndexMediaType } from './media-types.js';
export { parseImageConfig } from './resolve.js';
