import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgent, type AgentManifest } from "../../scripts/build-agent.ts";

/** The single-file agent as scripts/build-agent.ts builds it, run from a folder with no node_modules anywhere above it. */
let out: string;
let manifest: AgentManifest;
let bundle: string;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "anchorage-bundle-"));
  manifest = await buildAgent(join(out, "dist"));
  bundle = join(out, "anchorage.mjs");
  copyFileSync(join(out, "dist", manifest.file), bundle);
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const agentVersion = (JSON.parse(readFileSync(new URL("../../agent/package.json", import.meta.url), "utf8")) as { version: string }).version;
const systemNode = spawnSync("/usr/bin/node", ["-p", "process.versions.node"], { encoding: "utf8" });
const oldSystemNode = systemNode.status === 0 && Number(systemNode.stdout.split(".")[0]) < 22 ? systemNode.stdout.trim() : null;

describe("the bundled agent", () => {
  it("names its file by the agent's version, and its manifest holds the file's SHA-256 and size", () => {
    const bytes = readFileSync(bundle);
    expect(manifest).toEqual({ version: agentVersion, file: `anchorage-${agentVersion}.mjs`, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.byteLength });
  });

  it("imports nothing but node: builtins (common, jose, yaml, zod and picomatch are inside); node-pty only by a runtime require", () => {
    const code = readFileSync(bundle, "utf8");
    const specifiers = [...code.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((s) => !s!.startsWith("node:"))).toEqual([]);
    expect(code).toContain('("node-pty")');
  });

  it("runs with Node 22 from a folder outside the repository and reports the version it was built as", () => {
    expect(execFileSync(process.execPath, [bundle, "--version"], { cwd: out, encoding: "utf8" }).trim()).toBe(agentVersion);
    expect(execFileSync(process.execPath, [bundle, "--help"], { cwd: out, encoding: "utf8" })).toContain("anchorage update");
  });

  it.skipIf(oldSystemNode === null)("on an older Node says in one line which version it needs", () => {
    const r = spawnSync("/usr/bin/node", [bundle, "--version"], { cwd: out, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`anchorage: needs Node.js 22 or newer (this is v${oldSystemNode}); get it from https://nodejs.org or run it through: npx -y node@22 ${bundle}\n`);
  });
});
