import { AppError } from "../../core/app-error.ts";
import type { Config } from "../config.ts";

const invalid = (message: string) => new AppError("E-VALIDATION", `invalid body: url: ${message}`, { fields: [{ path: "url", message }] });

const isIpLiteral = (host: string) => host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);

/**
 * A webhook's address, checked: HTTPS (plain HTTP only in development and tests, for a receiver on
 * this machine), no credentials in it, and in production a public host name (not localhost, not an
 * IP address), since an event is sent wherever it points.
 */
export function checkWebhookUrl(raw: string, environment: Config["environment"]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid("not a URL");
  }
  const production = environment === "production";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && !production)) {
    throw invalid(production ? "must be https://" : "must be https:// or http://");
  }
  if (url.username || url.password) throw invalid("must not carry a user name or password");
  const host = url.hostname.toLowerCase();
  if (production && (host === "localhost" || host.endsWith(".localhost") || isIpLiteral(host))) {
    throw invalid("must name a public host, not localhost or an IP address");
  }
  url.hash = "";
  return url.toString();
}
