import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { isBundle } from "../bundle-info.ts";
import { homePaths, readCredential, writeFileAtomically } from "../home.ts";
import { getJson } from "../server-api.ts";
import { readAgentVersion } from "../system-stats.ts";

/** What GET /agent/latest.json answers (src/cloud/install/install-routes.ts). */
const latestSchema = z.object({
  version: z.string().min(1).max(50),
  url: z.url(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
});

export type UpdateResult = { updated: boolean; from: string; to: string };

/**
 * `anchorage update` (and the dashboard's `update` builtin, which runs it): replaces this agent's own
 * file with the bundle its deployment serves, when they differ. The bundle comes from the server the
 * credential names, never from a URL the server points elsewhere, and is written only when its SHA-256 is
 * the one announced, atomically (temp file + rename), so a cut download never leaves half an agent.
 */
export async function update(opts: { home?: string }): Promise<number> {
  if (!isBundle) {
    throw new Error("this agent runs from a source checkout (agent/bin/anchorage.mjs): update it there with git pull, or install the single-file agent with curl -fsSL <server>/install.sh | sh");
  }
  const paths = homePaths(opts.home);
  const credential = await readCredential(paths.credential);
  if (!credential) throw new Error(`not anchored (no ${paths.credential}): update fetches the agent from the server this machine is anchored to`);
  const r = await replaceAgentFile({ server: credential.url, target: fileURLToPath(import.meta.url), currentVersion: readAgentVersion() });
  if (!r.updated) console.log(`already up to date: ${r.to} is what ${credential.url} serves`);
  else console.log(`updated ${r.from} → ${r.to}; restart the agent to run it (the restart command, or its service)`);
  return 0;
}

/** The core of `update`, with the file and the server as parameters so tests can point them anywhere. */
export async function replaceAgentFile(o: { server: string; target: string; currentVersion: string; fetch?: typeof fetch }): Promise<UpdateResult> {
  const doFetch = o.fetch ?? fetch;
  const latest = latestSchema.parse(await getJson(o.server, "/agent/latest.json"));
  const current = sha256(await readFile(o.target));
  if (current === latest.sha256) return { updated: false, from: o.currentVersion, to: latest.version };

  // The path the server names, on the server we are anchored to.
  const url = new URL(new URL(latest.url).pathname, o.server);
  const res = await doFetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`could not download ${url}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const got = sha256(bytes);
  if (bytes.byteLength !== latest.bytes || got !== latest.sha256) {
    throw new Error(`the download from ${url} is not the announced bundle (sha256 ${got}, ${bytes.byteLength} bytes; expected ${latest.sha256}, ${latest.bytes} bytes): nothing replaced`);
  }
  await writeFileAtomically(o.target, bytes, 0o755);
  return { updated: true, from: o.currentVersion, to: latest.version };
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

