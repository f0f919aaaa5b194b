import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

/**
 * Starts the local stack exactly as a user does (`npm start`), on its own port and
 * with its own state directory, and stops it after the suite.
 */
// E2E_PORT lets two people (or helpers) run the suite side by side.
const PORT = Number(process.env.E2E_PORT ?? 8791);
export const ADMIN = { email: "root@e2e.test", password: "e2e admin password" };
/** How long the run's admin token lives: longer than any run. */
const ADMIN_TOKEN_SECONDS = 3 * 60 * 60;
/**
 * The stack's OpenID Connect provider: test/e2e/oidc.test.ts runs oauth2-mock-server at this
 * loopback address while it needs it (the Worker only asks the provider during a sign-in).
 */
const OIDC_PORT = Number(process.env.E2E_OIDC_PORT ?? PORT + 100);
export const OIDC = { issuer: `http://127.0.0.1:${OIDC_PORT}`, port: OIDC_PORT, clientId: "anchorage-e2e", clientSecret: "e2e-oidc-secret", name: "Test SSO" };

let child: ChildProcess | undefined;
let stateDir: string | undefined;
let log = "";

async function waitForHealth(url: string, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child?.exitCode !== null && child?.exitCode !== undefined) throw new Error(`npm start exited early:\n${log}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`stack did not become healthy in ${ms} ms:\n${log}`);
}

function stopStack() {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, "SIGTERM"); // the whole group: npm, tsx (which signals wrangler's own group)
  } catch {
    /* already gone */
  }
}

export default async function setup(project: TestProject) {
  stateDir = mkdtempSync(join(tmpdir(), "anchorage-e2e-"));
  child = spawn("npm", ["start"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...process.env, PORT: String(PORT), ANCHORAGE_STATE_DIR: stateDir, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, PROXY_TIMEOUT_SECONDS: "3", ACCESS_TOKEN_MAX_TTL_SECONDS: String(ADMIN_TOKEN_SECONDS),
      OIDC_ISSUER: OIDC.issuer, OIDC_CLIENT_ID: OIDC.clientId, OIDC_CLIENT_SECRET: OIDC.clientSecret, OIDC_NAME: OIDC.name },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  // Generous: migrations and the first workerd start take far longer on a loaded machine. A stack
  // that never comes up is stopped here (npm start passes the signal on to wrangler's own group).
  try {
    await waitForHealth(`http://127.0.0.1:${PORT}/healthz`, 300_000);
  } catch (e) {
    stopStack();
    throw e;
  }
  project.provide("baseUrl", `http://127.0.0.1:${PORT}`);
  project.provide("port", PORT);
  project.provide("stateDir", stateDir);
  // One admin token for the whole run: tests make their own users with it, so no one account
  // meets the per-account login limit. A run outlives a sign-in's 15-minute access token, so it is
  // minted for the run's length (GET /auth/access-token, capped by ACCESS_TOKEN_MAX_TTL_SECONDS).
  const minted = await fetch(`http://127.0.0.1:${PORT}/auth/access-token?ttl=${ADMIN_TOKEN_SECONDS}`, { headers: { authorization: `Basic ${btoa(`${ADMIN.email}:${ADMIN.password}`)}` } });
  if (!minted.ok) throw new Error(`could not mint the admin's token: ${minted.status} ${await minted.text()}`);
  project.provide("adminToken", ((await minted.json()) as { access_token: string }).access_token);

  return async () => {
    stopStack();
    await new Promise((r) => setTimeout(r, 500));
    rmSync(stateDir!, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    port: number;
    stateDir: string;
    adminToken: string;
  }
}
