/**
 * A problem found in a policy document, located by field path (`spec.rules[0].verifyImages[0].mutateDigest`)
 * the way Kubernetes and sigstore-js report fields, with the next step for a person.
 */
export interface PolicyIssue {
  readonly severity: 'error' | 'warning';
  /** Which document: file name or label, and index within a multi-document file. */
  readonly source: string;
  readonly path: string;
  readonly message: string;
  readonly fix?: string;
}

/** Collects issues while one document is read; every bad field is reported, not just the first. */
export class IssueList {
  readonly items: PolicyIssue[] = [];
  constructor(readonly source: string) {}

  error(path: string, message: string, fix?: string): void {
    this.items.push({ severity: 'error', source: this.source, path, message, ...(fix ? { fix } : {}) });
  }

  warn(path: string, message: string, fix?: string): void {
    this.items.push({ severity: 'warning', source: this.source, path, message, ...(fix ? { fix } : {}) });
  }

  get hasErrors(): boolean {
    return this.items.some((i) => i.severity === 'error');
  }
}

/** Issue lines shown per file before the rest are only counted. */
export const ISSUES_SHOWN_PER_FILE = 20;

/** Formats issues one per line: `source: path: message`, at most ISSUES_SHOWN_PER_FILE per file. */
export function formatIssues(issues: readonly PolicyIssue[]): string {
  return boundedIssueLines(issues, (i) => `${i.source}: ${i.path}: ${i.message}`).join('\n');
}

/**
 * One rendered line per issue, at most `perFile` per file (the documents of a multi-document file,
 * `file#N`, count as one file), then one line per file saying how many more there were: a file of
 * 100,000 broken documents is a screenful of examples and a count, not 100,000 lines.
 */
export function boundedIssueLines(
  issues: readonly PolicyIssue[],
  render: (i: PolicyIssue) => string,
  perFile: number = ISSUES_SHOWN_PER_FILE,
): string[] {
  const shown = new Map<string, number>();
  const hidden = new Map<string, number>();
  const lines: string[] = [];
  for (const i of issues) {
    const file = i.source.replace(/#\d+$/, '');
    const n = shown.get(file) ?? 0;
    if (n < perFile) {
      shown.set(file, n + 1);
      lines.push(render(i));
    } else hidden.set(file, (hidden.get(file) ?? 0) + 1);
  }
  for (const [file, n] of hidden) lines.push(`${file}: ... and ${n} more issue(s) not shown`);
  return lines;
}
