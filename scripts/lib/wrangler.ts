import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

/** Environment for every wrangler run: no telemetry, no update check (there may be no internet). */
export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_DISABLE_UPDATE_CHECK: "true", NO_UPDATE_NOTIFIER: "1", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

export type Target = { remote: boolean; persistTo?: string };
const targetArgs = (t: Target) => (t.remote ? ["--remote"] : ["--local", ...(t.persistTo ? ["--persist-to", t.persistTo] : [])]);

export function wrangler(args: string[], opts: { quiet?: boolean } = {}): string {
  const res = spawnSync(WRANGLER, args, { cwd: ROOT, env: wranglerEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (res.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed:\n${res.stdout}\n${res.stderr}`);
  }
  if (!opts.quiet) process.stdout.write(res.stdout);
  return res.stdout;
}

export function applyMigrations(t: Target) {
  wrangler(["d1", "migrations", "apply", "DB", ...targetArgs(t)], { quiet: true });
}

/** Runs SQL against D1 from a file (no shell quoting) and returns the rows of the last statement. */
export function d1Query<T>(t: Target, sql: string): T[] {
  const dir = mkdtempSync(join(tmpdir(), "anchorage-sql-"));
  try {
    const file = join(dir, "q.sql");
    writeFileSync(file, sql);
    const out = wrangler(["d1", "execute", "DB", ...targetArgs(t), "--json", "--file", file], { quiet: true });
    const parsed = JSON.parse(out.slice(out.indexOf("["))) as { results: T[] }[];
    return parsed.at(-1)?.results ?? [];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
