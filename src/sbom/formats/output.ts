/**
 * The `-o format[=file]` surface of `vouch sbom`, as syft has it, without the CLI: parse the specs,
 * render each format. Writing files (atomically) is the caller's edge.
 */
import { VouchError } from '../../errors.js';
import type { SbomResult } from '../generate.js';
import { type CycloneDxVersion, cycloneDxChunks, serializeCycloneDx } from './cyclonedx.js';
import { serializeSpdx, spdxChunks } from './spdx.js';
import { renderTable } from './table.js';

export type SbomFormat = 'cyclonedx-json' | 'spdx-json' | 'table';

export interface SbomOutput {
  format: SbomFormat;
  /** Absent: stdout. */
  file?: string;
}

const FORMATS: readonly SbomFormat[] = ['cyclonedx-json', 'spdx-json', 'table'];

/** Parses `-o` values (`cyclonedx-json`, `spdx-json=out.spdx.json`, `table`). @throws USAGE */
export function parseSbomOutputs(specs: readonly string[]): SbomOutput[] {
  const out: SbomOutput[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? spec : spec.slice(0, eq);
    const file = eq < 0 ? undefined : spec.slice(eq + 1);
    const format = FORMATS.find((f) => f === name);
    if (!format) {
      throw new VouchError('USAGE', `unknown SBOM output format "${name}"`, {
        hint: `use one of ${FORMATS.join(', ')}, optionally =file`,
      });
    }
    if (file === '') throw new VouchError('USAGE', `-o ${spec}: empty file name`);
    out.push({ format, ...(file ? { file } : {}) });
  }
  if (out.filter((o) => o.file === undefined).length > 1) {
    throw new VouchError('USAGE', 'only one -o output can go to stdout; give the others =file');
  }
  return out;
}

export interface RenderOptions {
  now: Date;
  deterministic?: boolean;
  cyclonedxVersion?: CycloneDxVersion;
}

/** The text of one output format as chunks, never one string (JSON formats of any size). */
export function renderSbomChunks(
  result: SbomResult,
  format: SbomFormat,
  opts: RenderOptions,
): Iterable<string> {
  switch (format) {
    case 'cyclonedx-json':
      return cycloneDxChunks(result, {
        now: opts.now,
        ...(opts.deterministic ? { deterministic: true } : {}),
        ...(opts.cyclonedxVersion ? { specVersion: opts.cyclonedxVersion } : {}),
      });
    case 'spdx-json':
      return spdxChunks(result, { now: opts.now, ...(opts.deterministic ? { deterministic: true } : {}) });
    case 'table':
      return [renderTable(result)];
  }
}

/** The text of one output format. */
export function renderSbom(result: SbomResult, format: SbomFormat, opts: RenderOptions): string {
  switch (format) {
    case 'cyclonedx-json':
      return serializeCycloneDx(result, {
        now: opts.now,
        ...(opts.deterministic ? { deterministic: true } : {}),
        ...(opts.cyclonedxVersion ? { specVersion: opts.cyclonedxVersion } : {}),
      });
    case 'spdx-json':
      return serializeSpdx(result, { now: opts.now, ...(opts.deterministic ? { deterministic: true } : {}) });
    case 'table':
      return renderTable(result);
  }
}
