/**
 * `npm run build:agent` (and `npm start`, `npm test` before their suites): the agent as one ESM
 * file a machine without this repository runs with a plain `node` (≥ 22), written into the
 * Worker's static assets so the deployment serves it (src/cloud/anchor/install-routes.ts):
 *
 *   frontend/dist/agent/anchorage-<version>.mjs   the bundle: @anchorage/common, jose, yaml, zod, picomatch inlined
 *   frontend/dist/agent/manifest.json             { version, file, sha256, bytes }: what install.sh and `anchorage update` check
 *
 * node-pty stays outside (a native addon cannot be inlined): the agent loads it when it is there
 * and falls back to util-linux `script` otherwise. Run it after the dashboard's build, whose
 * `emptyOutDir` would remove these files.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const ROOT = new URL("..", import.meta.url).pathname;
export const AGENT_ASSETS_DIR = join(ROOT, "frontend/dist/agent");
/** The lowest Node the bundle runs on: global fetch, WebSocket-free ws handling and the node: builtins it imports. */
export const MIN_NODE_MAJOR = 22;

export type AgentManifest = { version: string; file: string; sha256: string; bytes: number };

// Runs before any bundled code (the only imports above it are node: builtins, which every Node has),
// so an old Node gets one line naming what is needed instead of a stack trace from deep inside.
const banner = `#!/usr/bin/env node
// Anchorage agent, bundled by scripts/build-agent.ts. Needs Node >= ${MIN_NODE_MAJOR}.
if (Number(process.versions.node.split(".")[0]) < ${MIN_NODE_MAJOR}) {
  console.error("anchorage: needs Node.js ${MIN_NODE_MAJOR} or newer (this is " + process.version + "); get it from https://nodejs.org or run it through: npx -y node@${MIN_NODE_MAJOR} " + process.argv[1]);
  process.exit(1);
}
import { createRequire as __anchorageCreateRequire } from "node:module";
const require = __anchorageCreateRequire(import.meta.url); // CommonJS dependencies (picomatch) require node: builtins`;

/** Bundles agent/src/cli.ts, writes it and its manifest atomically, and returns the manifest. */
export async function buildAgent(outDir = AGENT_ASSETS_DIR): Promise<AgentManifest> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "agent/package.json"), "utf8")) as { version: string };
  const result = await build({
    entryPoints: [join(ROOT, "agent/src/cli.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    // Syntax Node 20 still parses, so the banner's version check runs there and says what is wrong.
    target: "node20",
    external: ["node-pty"],
    banner: { js: banner },
    define: { ANCHORAGE_AGENT_VERSION: JSON.stringify(pkg.version), ANCHORAGE_BUNDLED: "true" },
    write: false,
    logLevel: "warning",
    legalComments: "none",
    // Smaller download; identifiers stay as written so a stack trace from a user still reads.
    minifyWhitespace: true,
    minifySyntax: true,
  });
  const code = result.outputFiles[0]!.contents;
  const manifest: AgentManifest = {
    version: pkg.version,
    file: `anchorage-${pkg.version}.mjs`,
    sha256: createHash("sha256").update(code).digest("hex"),
    bytes: code.byteLength,
  };
  mkdirSync(outDir, { recursive: true });
  // The bundle first, then the manifest naming it: a reader never finds a manifest whose file is half written.
  writeAtomically(join(outDir, manifest.file), code);
  writeAtomically(join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

function writeAtomically(path: string, data: string | Uint8Array) {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, data, { mode: 0o644 });
  renameSync(temp, path);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await buildAgent();
  console.log(`  agent ${m.version}: ${join("frontend/dist/agent", m.file)} (${(m.bytes / 1024).toFixed(0)} KiB, sha256 ${m.sha256.slice(0, 12)}…)`);
}
