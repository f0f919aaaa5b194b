/**
 * `npm test`: every suite, one after another, then one line `N passed, N failed`.
 *   types   — tsc over the Worker, the scripts and tests, and the dashboard
 *   worker  — vitest inside workerd (@cloudflare/vitest-plugin): real D1, KV, R2, DOs
 *   agent   — vitest in Node: the agent's config, commands, log tail, home files
 *   e2e     — vitest in Node against `npm start` (wrangler dev): curl flows, a real agent process, Chromium
 * Results go to test-results/; .ci/run reads test-results/summary.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, wranglerEnv } from "./lib/wrangler.ts";

const OUT = join(ROOT, "test-results");
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const only = process.argv.slice(2);
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...wranglerEnv, ...env } }).status ?? 1;

type Tally = { suite: string; passed: number; failed: number; skipped: number; ok: boolean };
const tallies: Tally[] = [];

function vitestSuite(suite: string, config: string) {
  const file = join(OUT, `${suite}.json`);
  const status = run(join(ROOT, "node_modules/.bin/vitest"), ["run", "-c", config, "--reporter=default", "--reporter=json", `--outputFile=${file}`], {
    SKIP_FRONTEND_BUILD: "1",
  });
  if (!existsSync(file)) {
    // The runner died before reporting: count the suite as one failure, never as a pass.
    tallies.push({ suite, passed: 0, failed: 1, skipped: 0, ok: false });
    return;
  }
  const r = JSON.parse(readFileSync(file, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numFailedTestSuites: number };
  const failed = r.numFailedTests + (r.numFailedTests === 0 && r.numFailedTestSuites > 0 ? r.numFailedTestSuites : 0);
  tallies.push({ suite, passed: r.numPassedTests, failed, skipped: r.numPendingTests + r.numTodoTests, ok: status === 0 && failed === 0 });
}

const want = (s: string) => only.length === 0 || only.includes(s);

console.log("▸ building the dashboard");
if (run("npm", ["run", "build", "-w", "frontend", "--silent"]) !== 0) {
  tallies.push({ suite: "build", passed: 0, failed: 1, skipped: 0, ok: false });
}
// After the dashboard, whose build empties frontend/dist: the e2e stack serves this bundle at /install.sh.
console.log("▸ building the agent bundle");
if (run("npm", ["run", "build:agent", "--silent"]) !== 0) {
  tallies.push({ suite: "build:agent", passed: 0, failed: 1, skipped: 0, ok: false });
}
if (want("types")) {
  console.log("▸ types");
  const ok = run("npm", ["run", "typecheck", "--silent"]) === 0;
  tallies.push({ suite: "types", passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, ok });
}
if (want("worker")) {
  console.log("▸ worker suite (workerd)");
  vitestSuite("worker", "vitest.config.ts");
}
if (want("agent")) {
  console.log("▸ agent suite (Node)");
  vitestSuite("agent", "vitest.agent.config.ts");
}
if (want("e2e")) {
  console.log("▸ end-to-end suite (npm start + Chromium)");
  vitestSuite("e2e", "vitest.e2e.config.ts");
}

const sum = (k: "passed" | "failed" | "skipped") => tallies.reduce((n, t) => n + t[k], 0);
const summary = { passed: sum("passed"), failed: sum("failed"), skipped: sum("skipped"), suites: tallies };
writeFileSync(join(OUT, "summary.json"), JSON.stringify(summary, null, 2));
console.log("\n" + tallies.map((t) => `  ${t.ok ? "✓" : "✗"} ${t.suite}: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}`).join("\n"));
console.log(`${summary.passed} passed, ${summary.failed} failed${summary.skipped ? `, ${summary.skipped} skipped` : ""}`);
process.exit(tallies.every((t) => t.ok) ? 0 : 1);
