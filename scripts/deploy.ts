/**
 * `npm run deploy`: applies the D1 migrations to the deployed database, builds the
 * dashboard and the agent bundle (served at /install.sh and /agent/…), and deploys the Worker.
 * Needs `wrangler login` and the ids in wrangler.toml (docs/running.md, "Deploying to Cloudflare").
 */
import { spawnSync } from "node:child_process";
import { applyMigrations, ROOT, WRANGLER, wranglerEnv } from "./lib/wrangler.ts";

console.log("▸ applying D1 migrations (remote)");
applyMigrations({ remote: true });
console.log("▸ building the dashboard");
if (spawnSync("npm", ["run", "build", "-w", "frontend", "--silent"], { cwd: ROOT, stdio: "inherit" }).status !== 0) process.exit(1);
// After the dashboard: its build empties frontend/dist, where the bundle goes.
console.log("▸ building the agent bundle");
if (spawnSync("npm", ["run", "build:agent", "--silent"], { cwd: ROOT, stdio: "inherit" }).status !== 0) process.exit(1);
console.log("▸ wrangler deploy");
process.exit(spawnSync(WRANGLER, ["deploy"], { cwd: ROOT, env: wranglerEnv, stdio: "inherit" }).status ?? 1);
