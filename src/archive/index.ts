export { type Compression, decompressed, detectCompression } from './compression.js';
export { ancestorPaths, normalizeEntryPath, parentPath, ROOT_PATH, resolveLinkTarget } from './entry-path.js';
export { type LayerEntry, type LayerSource, type WalkLayersOptions, walkLayers } from './layer-walk.js';
export {
  readTar,
  readTarFile,
  type TarEntry,
  type TarEntryType,
  type TarHeader,
  type TarReadOptions,
} from './tar-reader.js';
export {
  encodeHeader,
  encodePax,
  padding,
  type RawTarHeader,
  TAR_END,
  type TarWriteEntry,
  type TarWriteOptions,
  writeTar,
} from './tar-writer.js';
