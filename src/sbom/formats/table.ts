/** A syft-like text table (NAME, VERSION, TYPE) for people; warnings are the CLI's to print on stderr. */
import type { SbomResult } from '../generate.js';

function ecosystem(purl: string): string {
  return /^pkg:([a-z0-9.+-]+)\//.exec(purl)?.[1] ?? '';
}

/** Renders components as aligned columns, sorted by name then version. */
export function renderTable(result: SbomResult): string {
  const rows = result.components
    .map(
      (c) =>
        [c.name, c.version, ecosystem(c.purl) + (c.scope === 'required' ? '' : ` (${c.scope})`)] as const,
    )
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  if (rows.length === 0) return 'No packages discovered\n';
  const header = ['NAME', 'VERSION', 'TYPE'] as const;
  const w0 = Math.max(header[0].length, ...rows.map((r) => r[0].length));
  const w1 = Math.max(header[1].length, ...rows.map((r) => r[1].length));
  const line = (r: readonly [string, string, string]): string =>
    `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
