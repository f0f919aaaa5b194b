/**
 * Where to go after a sign-in or a hand-off: a path on `origin` itself, or null.
 *
 * The URL parser is the judge, not a prefix test: it drops tabs and newlines and reads `\` as
 * `/` (WHATWG URL, "basic URL parser"), so `/\t/evil.example/` would look like a path to a
 * `startsWith("/")` check and land on evil.example. Control characters and backslashes are
 * refused outright (a newline in a Location header is also a 500 waiting to happen); whatever
 * is left must resolve to this very origin. The result is the parser's own serialization, so a
 * header built from it holds no raw byte it did not check.
 */
export function safeNext(raw: string | null | undefined, origin: string): string | null {
  if (!raw || raw.length > MAX_NEXT_LENGTH) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return null;
  if (!raw.startsWith("/") || raw.startsWith("//")) return null;
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(raw, base);
  } catch {
    return null;
  }
  if (url.origin !== base.origin) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** Long enough for any real page with its query; bounds what a redirect can carry. */
export const MAX_NEXT_LENGTH = 2048;
