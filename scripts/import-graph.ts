// Prints the import-graph summary that docs/architecture.md records: arrows between areas, how many
// cross-area imports go through an index.ts, cycles, and the largest files of src/. With --violations,
// prints instead every import that breaks a layer rule, in the form of test/support/architecture-allowlist.ts.
// Run: node --import tsx scripts/import-graph.ts [--violations]
import { fileURLToPath } from 'node:url';
import { ARCHITECTURE } from '../test/support/architecture.js';
import {
  areaGraph,
  cycles,
  importEdges,
  moduleGraph,
  readTree,
  summary,
  violationKey,
  violations,
} from '../test/support/import-graph.js';

const files = readTree(fileURLToPath(new URL('../src', import.meta.url)));
const edges = importEdges(files);
if (process.argv.includes('--violations')) {
  for (const v of violations(edges, ARCHITECTURE)) console.log(violationKey(v));
} else {
  const s = summary(edges);
  console.log(`modules: ${files.size}`);
  console.log(`cross-area imports (ground files left out): ${s.crossArea}, through index.ts: ${s.viaIndex}`);
  for (const [arrow, n] of s.arrows) console.log(`  ${arrow}: ${n}`);
  console.log(`area cycles: ${JSON.stringify(cycles(areaGraph(edges)))}`);
  console.log(`module cycles: ${JSON.stringify(cycles(moduleGraph(edges)))}`);
  console.log(`rule violations: ${violations(edges, ARCHITECTURE).length}`);
  const sizes = [...files].map(([p, t]) => [p, t.split('\n').length - (t.endsWith('\n') ? 1 : 0)] as const);
  sizes.sort((a, b) => b[1] - a[1]);
  console.log(`files over 500 lines: ${sizes.filter(([, n]) => n > 500).length}`);
  for (const [p, n] of sizes.slice(0, 10)) console.log(`  ${n} ${p}`);
}
