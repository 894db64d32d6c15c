/** Helm charts: provenance files (`.prov`) signed and verified as helm does. */
export { CHART_EXPANDED_MAX_BYTES, CHART_FILE_MAX_BYTES, readChartYaml } from './chart-archive.js';
export { type ChartMetadata, parseChartMetadata } from './chart-metadata.js';
export { type GoYamlMap, type GoYamlValue, goKeyLess, marshalGoYaml } from './go-yaml.js';
export {
  type ChartVerification,
  type Keyring,
  messageBlock,
  readKeyring,
  renderVerification,
  signChart,
  verifyChart,
} from './provenance.js';
