/**
 * `npm start`: the whole local stack at http://127.0.0.1:8787 (and http://localhost:8787).
 * Writes .dev.vars with a generated signing key if needed, applies the D1 migrations
 * locally, builds the dashboard and the single-file agent, creates the first admin, then runs `wrangler dev`
 * (workerd with local D1, KV, R2 and Durable Object storage).
 *
 * Environment: ADMIN_EMAIL / ADMIN_PASSWORD (else from .dev.vars, else generated and
 * printed once), PORT (default 8787), ANCHORAGE_STATE_DIR (where local data lives;
 * default .wrangler/state), PROXY_TIMEOUT_SECONDS (the proxy's first-byte timeout; default 35),
 * ACCESS_TOKEN_MAX_TTL_SECONDS (the longest token /auth/access-token mints; default 900),
 * and the sign-in providers' settings (OAUTH_SETTINGS below), passed on to the Worker when set.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AGENT_ASSETS_DIR, buildAgent } from "./build-agent.ts";
import { ensureDevVars } from "./lib/dev-vars.ts";
import { bootstrapAdmin } from "./lib/bootstrap-admin.ts";
import { applyMigrations, ROOT, WRANGLER, wranglerEnv, type Target } from "./lib/wrangler.ts";

const port = Number(process.env.PORT ?? 8787);
const persistTo = process.env.ANCHORAGE_STATE_DIR;
const target: Target = { remote: false, persistTo };
const step = (what: string) => console.log(`\x1b[36m▸\x1b[0m ${what}`);

step("checking .dev.vars");
const devVars = await ensureDevVars(join(ROOT, ".dev.vars"));

step("applying D1 migrations (local)");
applyMigrations(target);

if (process.env.SKIP_FRONTEND_BUILD !== "1") {
  step("building the dashboard");
  const build = spawnSync("npm", ["run", "build", "-w", "frontend", "--silent"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// After the dashboard (its build empties frontend/dist): the single-file agent that /install.sh hands out.
if (process.env.SKIP_FRONTEND_BUILD !== "1" || !existsSync(join(AGENT_ASSETS_DIR, "manifest.json"))) {
  step("building the agent bundle");
  const agent = await buildAgent();
  console.log(`  ${agent.file}, sha256 ${agent.sha256.slice(0, 12)}…`);
}

step("first admin");
const admin = await bootstrapAdmin(target, {
  email: process.env.ADMIN_EMAIL || devVars.ADMIN_EMAIL,
  password: process.env.ADMIN_PASSWORD || devVars.ADMIN_PASSWORD,
});
if (!admin.created) console.log(`  ${admin.reason}`);
else if (admin.generatedPassword) {
  console.log(`\n  Created admin ${admin.email} with password:\n\n      ${admin.generatedPassword}\n\n  It is shown only this once; change it under Settings or with PUT /api/settings/password.\n`);
} else console.log(`  created admin ${admin.email} (password from ADMIN_PASSWORD)`);

/** Sign-in providers (docs/sign-in.md, "Signing in with …"): set in the environment, they reach the Worker as vars. */
const OAUTH_SETTINGS = [
  "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET",
  "DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_NAME",
];
const oauthVars = OAUTH_SETTINGS.flatMap((name) => (process.env[name] ? ["--var", `${name}:${process.env[name]}`] : []));

const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`].join(",");
step(`starting wrangler dev on http://127.0.0.1:${port}`);
const dev = spawn(
  WRANGLER,
  [
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--var", `APP_ORIGIN:${origins}`,
    "--var", `PROXY_DOMAIN:localhost:${port}`,
    ...(process.env.PROXY_TIMEOUT_SECONDS ? ["--var", `PROXY_TIMEOUT_SECONDS:${process.env.PROXY_TIMEOUT_SECONDS}`] : []),
    ...(process.env.ACCESS_TOKEN_MAX_TTL_SECONDS ? ["--var", `ACCESS_TOKEN_MAX_TTL_SECONDS:${process.env.ACCESS_TOKEN_MAX_TTL_SECONDS}`] : []),
    ...oauthVars,
    "--show-interactive-dev-session=false",
    ...(persistTo ? ["--persist-to", persistTo] : []),
  ],
  // Its own process group (wrangler, its node, workerd, esbuild), so one signal reaches all of them.
  { cwd: ROOT, env: wranglerEnv, stdio: ["ignore", "inherit", "inherit"], detached: true },
);
stopWithUs(dev);

/**
 * SIGTERM, SIGINT or SIGHUP to this process ends the whole stack: the signal goes to wrangler's
 * process group, and whatever is left of it after STOP_GRACE_MS is killed. package.json's
 * `exec tsx …` makes npm's own child this script's launcher (npm forwards SIGTERM and SIGINT to
 * its child; without the exec that child is a shell, which dies and leaves the stack running).
 */
function stopWithUs(child: ChildProcess) {
  const STOP_GRACE_MS = 7_000;
  const group = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* the group is gone */
    }
  };
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      group(stopping ? "SIGKILL" : sig); // a second signal does not wait
      if (stopping) return;
      stopping = true;
      setTimeout(() => group("SIGKILL"), STOP_GRACE_MS).unref();
    });
  }
  // However this process ends, nothing of the stack outlives it.
  process.on("exit", () => group("SIGKILL"));
  child.on("exit", (code, signal) => {
    // wrangler is gone; workerd may not be yet: give it the grace period, then end.
    group("SIGTERM");
    const done = () => process.exit(code ?? (signal ? 0 : 1));
    const check = setInterval(() => {
      try {
        process.kill(-child.pid!, 0);
      } catch {
        clearInterval(check);
        done();
      }
    }, 100);
    setTimeout(done, STOP_GRACE_MS).unref();
  });
}
