import { z } from "zod";
import { AppError } from "../../../core/app-error.ts";
import type { Env } from "../../../core/env.ts";

/**
 * The single-file agent in the Worker's static assets, as scripts/build-agent.ts writes it:
 * `agent/anchorage-<version>.mjs` and `agent/manifest.json` naming it with its SHA-256.
 */
export const agentManifestSchema = z.strictObject({
  version: z.string().regex(/^[0-9A-Za-z.+-]{1,50}$/),
  file: z.string().regex(/^anchorage-[0-9A-Za-z.+-]{1,50}\.mjs$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
});
export type AgentManifest = z.infer<typeof agentManifestSchema>;

const ASSET_DIR = "/agent/";
const NOT_BUILT =
  "the agent bundle is not built on this deployment: run `npm run build:agent` after the dashboard's build (npm start and npm test do)";

/**
 * Reads the manifest. A missing one is a server fault said as such, never a 404 or the
 * dashboard's index.html: the assets binding answers unknown paths with the SPA page
 * (wrangler.toml, not_found_handling), which would otherwise pass for a file.
 */
export async function readAgentManifest(env: Env, origin: string): Promise<AgentManifest> {
  const res = await fetchAsset(env, origin, `${ASSET_DIR}manifest.json`);
  const text = res.ok ? await res.text() : "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError("E-CONFIG", NOT_BUILT);
  }
  const manifest = agentManifestSchema.safeParse(parsed);
  if (!manifest.success) throw new AppError("E-CONFIG", `${NOT_BUILT} (its manifest.json is not what build-agent.ts writes)`);
  return manifest.data;
}

/** The bundle the manifest names, checked to be that file (not the SPA page) by its type and length. */
export async function fetchAgentBundle(env: Env, origin: string, manifest: AgentManifest): Promise<Response> {
  const res = await fetchAsset(env, origin, `${ASSET_DIR}${manifest.file}`);
  const type = res.headers.get("content-type") ?? "";
  const length = res.headers.get("content-length");
  if (!res.ok || type.startsWith("text/html") || (length !== null && Number(length) !== manifest.bytes)) {
    await res.body?.cancel();
    throw new AppError("E-CONFIG", `${NOT_BUILT} (${manifest.file} is missing or does not match manifest.json)`);
  }
  return res;
}

async function fetchAsset(env: Env, origin: string, path: string): Promise<Response> {
  if (!env.ASSETS) throw new AppError("E-CONFIG", `${NOT_BUILT} (this Worker has no ASSETS binding)`);
  return env.ASSETS.fetch(new Request(new URL(path, origin)));
}
