import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair } from "jose";

/** Parses a .dev.vars / .env style file: KEY=value or KEY="value" lines. */
export function parseVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^".*"$/.test(value)) value = JSON.parse(value);
    else if (/^'.*'$/.test(value)) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

/** A new ES256 signing key set for JWT_SIGNING_KEYS (one key, kid from the date). */
export async function newSigningKeys(): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${crypto.randomUUID().slice(0, 8)}`;
  return JSON.stringify([{ ...(await exportJWK(privateKey)), kid }]);
}

/**
 * Makes sure .dev.vars holds what local development needs: ENVIRONMENT=development
 * and a signing key generated on this machine (never committed; .gitignore has it).
 * Existing values are kept, so sessions survive restarts.
 */
export async function ensureDevVars(path: string): Promise<Record<string, string>> {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const vars = parseVars(text);
  const add: string[] = [];
  if (!vars.ENVIRONMENT) add.push(`ENVIRONMENT=development`);
  if (!vars.JWT_SIGNING_KEYS) // Single quotes: dotenv (which wrangler uses) keeps the JSON inside them literally.
    add.push(`JWT_SIGNING_KEYS='${await newSigningKeys()}'`);
  if (add.length) {
    const header = text ? "" : "# Local development settings, written by `npm start`. Not committed.\n";
    writeFileSync(path, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${header}${add.join("\n")}\n`, { mode: 0o600 });
  }
  return parseVars(readFileSync(path, "utf8"));
}
