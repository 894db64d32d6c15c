import { type Document, parseAllDocuments } from 'yaml';
import { parseYamlDocuments } from './yaml-documents.js';
import type { Limits } from '../limits.js';

/**
 * Opens a policy file for comment-preserving edits through yaml's Document API. The file is first read
 * through parseYamlDocuments so the size, alias and syntax checks apply before anything is edited.
 * @throws INPUT_TOO_LARGE, INPUT_MALFORMED
 */
export function openForEdit(text: string, source: string, limits?: Partial<Limits>): Document.Parsed[] {
  parseYamlDocuments(text, source, limits);
  return [...parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true })];
}

/**
 * Whether block sequences in `text` sit at their parent key's indentation (`key:\n- item`, the compact
 * style of the policy-controller docs) rather than indented under it; judged by the first sequence.
 */
function compactSequences(text: string): boolean {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const item = /^( *)- /.exec(lines[i] ?? '');
    const parent = /^( *)[^\s#-][^#]*:\s*(#.*)?$/.exec(lines[i - 1] ?? '');
    if (item && parent) return item[1] === parent[1];
  }
  return false;
}

/** Serialises edited documents back to one file, keeping document markers, comments and list style. */
export function renderDocuments(docs: readonly Document.Parsed[], sourceText?: string): string {
  const indentSeq = sourceText === undefined || !compactSequences(sourceText);
  const str = (d: Document.Parsed) => d.toString({ indentSeq });
  if (docs.length === 1 && docs[0]) return str(docs[0]);
  return docs
    .map((d, i) => {
      const s = str(d);
      // yaml only writes `---` when the source had it; separate documents that relied on it implicitly.
      return i > 0 && !s.startsWith('---') ? `---\n${s}` : s;
    })
    .join('');
}
