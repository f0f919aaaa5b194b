import { slugSchema } from "@anchorage/common";
import type { Config } from "../../config.ts";

/**
 * A request the dashboard's single-page fallback may answer with its page: a navigation
 * (`Sec-Fetch-Mode: navigate`, or a client that asks for HTML). A script, stylesheet, image or
 * `fetch()` for a path nobody serves gets a 404 instead: answered `200 text/html`, an app behind
 * the path form that uses absolute URLs (`<script src="/@vite/client">`) fails with a page that
 * is blank for no visible reason.
 */
export function isNavigation(req: Request): boolean {
  // Either sign is enough: a browser's script, style, image or fetch() sends neither (its Accept is
  // `*/*`, `text/css`, `image/…`), while a client that is not a browser may send only the Accept, or
  // (Node's fetch) a `Sec-Fetch-Mode: cors` of its own beside the one it was given.
  if ((req.headers.get("sec-fetch-mode") ?? "").split(",").some((m) => m.trim() === "navigate")) return true;
  return (req.headers.get("accept") ?? "").includes("text/html");
}

/**
 * For a 404 whose Referer is a page under `/p/<slug>/` on this origin: the app asked for an
 * absolute path, which leaves its prefix. Says so, and where the app works as if direct.
 */
export function absoluteUrlHint(req: Request, config: Pick<Config, "issuer" | "proxyDomain">): string | null {
  const referer = req.headers.get("referer");
  if (!referer) return null;
  let from: URL;
  try {
    from = new URL(referer);
  } catch {
    return null;
  }
  if (from.origin !== new URL(req.url).origin) return null;
  const slug = /^\/p\/([^/]+)\//.exec(from.pathname)?.[1];
  if (!slug || !slugSchema.safeParse(slug).success) return null;
  const where = config.proxyDomain
    ? `open it at its own host, ${new URL(config.issuer).protocol}//${slug}.${config.proxyDomain}/, where it works as if direct`
    : `configure the app with the base path /p/${slug}/ and set proxy.keep_prefix: true in the agent's config.yaml`;
  return `the app at /p/${slug}/ uses absolute URLs, which leave its prefix: ${where}`;
}
