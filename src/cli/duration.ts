import { VouchError } from '../errors.js';
import { parseGoDuration } from '../policy/index.js';

/**
 * A duration flag in milliseconds: a bare non-negative number in the flag's own unit (`300` seconds for
 * a TTL, `9000` ms for a deadline, as before), or a Go/Kubernetes duration (`5m`, `30s`, `1h30m`,
 * `500ms`) as Helm values and policy-controller's flags write them.
 * @throws USAGE naming the flag and the accepted forms
 */
export function durationFlagMs(value: string, flag: string, bareUnit: 'seconds' | 'milliseconds'): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * (bareUnit === 'seconds' ? 1000 : 1);
  const ns = parseGoDuration(v);
  if (ns === undefined || ns < 0) {
    throw new VouchError('USAGE', `${flag} needs a duration, got "${value}"`, {
      hint: `write ${bareUnit === 'seconds' ? '300 (seconds)' : '9000 (milliseconds)'}, or a duration such as 30s, 5m, 1h30m`,
    });
  }
  return ns / 1e6;
}
