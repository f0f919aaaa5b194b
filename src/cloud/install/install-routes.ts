import { newRouter } from "../../http/router.ts";
import { AppError } from "../../../core/app-error.ts";
import { loadConfig } from "../../config.ts";
import { fetchAgentBundle, readAgentManifest } from "./agent-bundle.ts";
import { renderInstallScript } from "./install-script.ts";

/**
 * Installing the agent on a machine without this repository (docs/machines.md, "Installing the agent on another machine"):
 *   GET /install.sh                        the installer, with this deployment's address and the bundle's SHA-256 in it
 *   GET /agent/anchorage-<version>.mjs     the single-file agent (immutable: a version is built once)
 *   GET /agent/anchorage-<version>.mjs.sha256   its hash, in sha256sum's format
 *   GET /agent/anchorage.mjs               redirect to the current version
 *   GET /agent/latest.json                 { version, url, sha256, bytes }: what `anchorage update` reads
 * All public: the agent is no secret, and anchoring itself needs a sign-in.
 */
export const installRoutes = newRouter();

const NO_STORE = "no-cache";
const IMMUTABLE = "public, max-age=31536000, immutable";

installRoutes.get("/install.sh", async (c) => {
  const config = c.get("config") ?? loadConfig(c.env);
  // The address the machine reached us at, when it is one of ours; the canonical one otherwise.
  const origin = new URL(c.req.url).origin;
  const server = config.origins.includes(origin) ? origin : config.issuer;
  const manifest = await readAgentManifest(c.env, origin);
  c.header("Cache-Control", NO_STORE);
  return c.body(renderInstallScript(server, manifest), 200, { "Content-Type": "text/plain; charset=utf-8" });
});

installRoutes.get("/agent/latest.json", async (c) => {
  const origin = new URL(c.req.url).origin;
  const m = await readAgentManifest(c.env, origin);
  c.header("Cache-Control", NO_STORE);
  return c.json({ version: m.version, url: `${origin}/agent/${m.file}`, sha256: m.sha256, bytes: m.bytes });
});

installRoutes.get("/agent/anchorage.mjs", async (c) => {
  const m = await readAgentManifest(c.env, new URL(c.req.url).origin);
  c.header("Cache-Control", NO_STORE);
  return c.redirect(`/agent/${m.file}`, 302);
});

installRoutes.get("/agent/:file{anchorage-[0-9A-Za-z.+-]+\\.mjs(?:\\.sha256)?}", async (c) => {
  const origin = new URL(c.req.url).origin;
  const m = await readAgentManifest(c.env, origin);
  const file = c.req.param("file");
  if (file === `${m.file}.sha256`) {
    c.header("Cache-Control", IMMUTABLE);
    return c.body(`${m.sha256}  ${m.file}\n`, 200, { "Content-Type": "text/plain; charset=utf-8" });
  }
  // Only the version this deployment carries: an old URL is a clear 404, not a different file.
  if (file !== m.file) throw new AppError("E-NOT-FOUND", `no agent ${file} here; this deployment serves ${m.file} (GET /agent/latest.json)`);
  const bundle = await fetchAgentBundle(c.env, origin, m);
  return new Response(bundle.body, {
    status: 200,
    headers: {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": IMMUTABLE,
      "Content-Disposition": `attachment; filename="${m.file}"`,
      ...(bundle.headers.get("content-length") ? { "Content-Length": bundle.headers.get("content-length")! } : {}),
      "X-Checksum-Sha256": m.sha256,
    },
  });
});
