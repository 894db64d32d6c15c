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

/** Formats issues one per line: `source: path: message`. */
export function formatIssues(issues: readonly PolicyIssue[]): string {
  return issues.map((i) => `${i.source}: ${i.path}: ${i.message}`).join('\n');
}
