/**
 * A unified diff (`diff -u` format) of two texts, line-based, with 3 lines of context. Policy files are
 * small (limits.yamlMaxBytes), so the quadratic LCS table is bounded; larger inputs fall back to a
 * whole-file replacement hunk rather than using unbounded memory.
 */
const LCS_CELLS_MAX = 4_000_000;

export function unifiedDiff(before: string, after: string, name: string, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  type Op = { t: ' ' | '-' | '+'; line: string };
  let ops: Op[];
  if ((a.length + 1) * (b.length + 1) > LCS_CELLS_MAX) {
    ops = [...a.map((line) => ({ t: '-' as const, line })), ...b.map((line) => ({ t: '+' as const, line }))];
  } else {
    const n = a.length;
    const m = b.length;
    const w = m + 1;
    const dp = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        dp[i * w + j] =
          a[i] === b[j]
            ? (dp[(i + 1) * w + j + 1] ?? 0) + 1
            : Math.max(dp[(i + 1) * w + j] ?? 0, dp[i * w + j + 1] ?? 0);
      }
    }
    ops = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) {
        ops.push({ t: ' ', line: a[i] as string });
        i++;
        j++;
      } else if (j < m && (i >= n || (dp[i * w + j + 1] ?? 0) > (dp[(i + 1) * w + j] ?? 0))) {
        ops.push({ t: '+', line: b[j] as string });
        j++;
      } else {
        ops.push({ t: '-', line: a[i] as string });
        i++;
      }
    }
  }
  const out = [`--- a/${name}`, `+++ b/${name}`];
  let k = 0;
  let oldLine = 1;
  let newLine = 1;
  while (k < ops.length) {
    if ((ops[k] as Op).t === ' ') {
      k++;
      oldLine++;
      newLine++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while changes are within 2*context lines of each other.
    while (end < ops.length) {
      if ((ops[end] as Op).t !== ' ') {
        end++;
        continue;
      }
      let run = 0;
      while (end + run < ops.length && (ops[end + run] as Op).t === ' ') run++;
      if (end + run >= ops.length || run > 2 * context) {
        end = Math.min(ops.length, end + context);
        break;
      }
      end += run;
    }
    const lead = k - start;
    const hunk = ops.slice(start, end);
    const oldStart = oldLine - lead;
    const newStart = newLine - lead;
    const oldCount = hunk.filter((o) => o.t !== '+').length;
    const newCount = hunk.filter((o) => o.t !== '-').length;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const o of hunk) out.push(`${o.t}${o.line}`);
    for (const o of ops.slice(k, end)) {
      if (o.t !== '+') oldLine++;
      if (o.t !== '-') newLine++;
    }
    k = end;
  }
  return `${out.join('\n')}\n`;
}

function splitLines(s: string): string[] {
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
