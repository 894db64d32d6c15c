/**
 * The `rel="next"` target of an RFC 8288 `Link` header, resolved against the URL of the response that
 * carried it (distribution-spec "Listing Tags": `Link: </v2/<name>/tags/list?n=2&last=b>; rel="next"`).
 * Undefined when there is no next link or it is not a usable URL.
 */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  // Links are `<uri-reference> *( ";" link-param )`, comma-separated; a URI cannot contain `>`.
  const re = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g;
  for (let m = re.exec(header); m !== null; m = re.exec(header)) {
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (!rels.includes('next')) continue;
    try {
      return new URL(m[1] ?? '', base).toString();
    } catch {
      return undefined; // a next link we cannot resolve ends the listing
    }
  }
  return undefined;
}
