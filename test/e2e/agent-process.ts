import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, base } from "./http-client.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
export const NODE = join(ROOT, "node_modules/.bin/node");
const CLI = join(ROOT, "agent/bin/anchorage.mjs");

/** Runs the real `anchorage` CLI (Node 22, no build step) and collects its output. */
export function anchorage(args: string[], env: Record<string, string> = {}) {
  const child = spawn(NODE, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const done = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, done, output: () => out };
}

export async function until<T>(check: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Anchors a fresh home with a token and the given config, and starts `anchorage run`. */
export async function startAgent(token: string, configYaml: string) {
  const home = mkdtempSync(join(tmpdir(), "anchorage-agent-"));
  const a = anchorage(["anchor", base(), "--home", home, "--token", token]);
  if ((await a.done) !== 0) throw new Error(a.output());
  writeFileSync(join(home, "config.yaml"), configYaml);
  const instanceId = /as (ins_\S+)/.exec(a.output())![1]!;
  const run = anchorage(["run", "--home", home]);
  return { home, instanceId, run, restart: () => anchorage(["run", "--home", home]) };
}

/** Waits until every one of these instances is online, as its owner sees it through the API. */
export async function untilOnline(token: string, ids: string[], ms = 20_000): Promise<void> {
  for (const id of ids) await until(async () => (await api(`/api/cloud/instance/${id}`, { token })).body.status === "online", ms);
}
