import { type AuditReport, countBySeverity } from './finding.js';

/**
 * `-o json`: `{"findings":[{rule, severity, confidence?, file, line, column, message, …}], "problems":
 * […], "summary": {…}}`. The field names are public (docs/audit.md) and shared by every audit.
 */
export function renderJson(report: AuditReport): string {
  const doc = {
    tool: report.tool,
    findings: report.findings,
    problems: report.problems,
    summary: {
      inputs: report.inputs,
      findings: report.findings.length,
      suppressed: report.suppressed,
      notAudited: report.problems.length,
      bySeverity: countBySeverity(report.findings),
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
