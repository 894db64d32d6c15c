export {
  type BuildInput,
  type BuildOptions,
  type BuildResult,
  buildDatabase,
  type SkippedRecord,
} from './build.js';
export { compactOsv, type DatabaseMeta, encodeDatabase } from './format.js';
export { openDatabase, type VulnDatabase } from './open.js';
export { checkEntryName, listZip, readZipEntry, type ZipEntry } from './zip-reader.js';
