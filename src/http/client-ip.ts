/**
 * The caller's address. Cloudflare's edge sets CF-Connecting-IP and overwrites any
 * value a client sends, so it is the only header trusted for this (never X-Forwarded-For).
 */
export function clientIp(req: Request): string | null {
  return req.headers.get("cf-connecting-ip");
}
