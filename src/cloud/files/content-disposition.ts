/**
 * `Content-Disposition: attachment` naming the file, so a browser saves it under its own name
 * (RFC 6266 §4.3): `filename*` carries the name in UTF-8, percent-encoded as RFC 8187 (was 5987)
 * §3.2.1 says, and `filename` an ASCII stand-in for clients that do not read `filename*`.
 */
export function attachmentDisposition(name: string): string {
  // Controls and path separators never reach a file name the browser picks.
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, "_") || "download";
  const fallback = clean.replace(/[^\x20-\x7e]|["%]/g, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeAttrChars(clean)}`;
}

/** RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else as %XX of its UTF-8 bytes. */
function encodeAttrChars(s: string): string {
  // encodeURIComponent leaves ' ( ) * unescaped, which attr-char does not allow.
  return encodeURIComponent(s).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
