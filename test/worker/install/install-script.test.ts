import { describe, expect, it } from "vitest";
import { call } from "../helpers.ts";
import type { Env } from "../../../core/env.ts";

/** A bundle as scripts/build-agent.ts writes it, and the assets binding that serves it (SPA fallback included). */
const BUNDLE = new TextEncoder().encode('#!/usr/bin/env node\nconsole.log("the agent");\n');
const sha256 = async (bytes: Uint8Array) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");

async function assets(files: Record<string, Uint8Array | string>): Promise<Partial<Env>> {
  const fetcher = {
    async fetch(input: RequestInfo | URL) {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      const body = files[path];
      // What wrangler.toml's not_found_handling = "single-page-application" does with an unknown path.
      if (body === undefined) return new Response("<!doctype html><title>Anchorage</title>", { headers: { "content-type": "text/html" } });
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      return new Response(bytes, { headers: { "content-type": path.endsWith(".json") ? "application/json" : "text/javascript", "content-length": String(bytes.byteLength) } });
    },
    connect() {
      throw new Error("not used");
    },
  };
  return { ASSETS: fetcher as unknown as Fetcher };
}

async function builtAssets() {
  const manifest = { version: "9.8.7", file: "anchorage-9.8.7.mjs", sha256: await sha256(BUNDLE), bytes: BUNDLE.byteLength };
  return { manifest, env: await assets({ "/agent/manifest.json": JSON.stringify(manifest), "/agent/anchorage-9.8.7.mjs": BUNDLE }) };
}

describe("GET /install.sh", () => {
  it("is a POSIX sh script with this deployment's address and the served bundle's SHA-256 in it", async () => {
    const { env, manifest } = await builtAssets();
    const res = await call("/install.sh", { env });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const script = await res.text();
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);
    expect(script).toContain("SERVER='http://localhost:8787'\n");
    expect(script).toContain("BUNDLE_URL='http://localhost:8787/agent/anchorage-9.8.7.mjs'\n");
    expect(script).toContain("NODE_MAJOR=22\n");
    expect(script).toContain('echo "    $cmd anchor $SERVER"');

    // The hash written into the script is the hash of the bytes served at the URL written into it.
    const expected = /^BUNDLE_SHA256='([0-9a-f]{64})'$/m.exec(script)![1];
    const bundle = await call("/agent/anchorage-9.8.7.mjs", { env });
    expect(bundle.status).toBe(200);
    expect(await sha256(new Uint8Array(await bundle.arrayBuffer()))).toBe(expected);
    expect(expected).toBe(manifest.sha256);
  });

  it("names the address the machine used when it is one of APP_ORIGIN's, and the canonical one otherwise", async () => {
    const { env } = await builtAssets();
    const local = await (await call("/install.sh", { env: { ...env, APP_ORIGIN: "https://anchorage.example,http://localhost:8787" } })).text();
    expect(local).toContain("SERVER='http://localhost:8787'\n");
    const other = await (await call("/install.sh", { env: { ...env, APP_ORIGIN: "https://anchorage.example" } })).text();
    expect(other).toContain("SERVER='https://anchorage.example'\n");
    expect(other).toContain("BUNDLE_URL='https://anchorage.example/agent/anchorage-9.8.7.mjs'\n");
  });

  it("fails loudly, naming the build step, when the bundle was never built (not a 404, not the dashboard's page)", async () => {
    const env = await assets({});
    for (const path of ["/install.sh", "/agent/anchorage.mjs", "/agent/latest.json", "/agent/anchorage-9.8.7.mjs"]) {
      const res = await call(path, { env });
      expect(res.status, path).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("E-CONFIG");
      expect(body.error.message).toContain("npm run build:agent");
    }
  });

  it("refuses a manifest whose bundle is missing instead of serving the SPA page as the agent", async () => {
    const manifest = { version: "9.8.7", file: "anchorage-9.8.7.mjs", sha256: await sha256(BUNDLE), bytes: BUNDLE.byteLength };
    const env = await assets({ "/agent/manifest.json": JSON.stringify(manifest) });
    const res = await call("/agent/anchorage-9.8.7.mjs", { env });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("E-CONFIG");
  });
});

describe("GET /agent/…", () => {
  it("serves the current version under its own immutable URL, its hash beside it, and redirects the unversioned name", async () => {
    const { env, manifest } = await builtAssets();
    const bundle = await call("/agent/anchorage-9.8.7.mjs", { env });
    expect(bundle.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(bundle.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(new Uint8Array(await bundle.arrayBuffer())).toEqual(BUNDLE);

    const hash = await call("/agent/anchorage-9.8.7.mjs.sha256", { env });
    expect(await hash.text()).toBe(`${manifest.sha256}  anchorage-9.8.7.mjs\n`);

    const latest = await call("/agent/anchorage.mjs", { env });
    expect(latest.status).toBe(302);
    expect(latest.headers.get("location")).toBe("/agent/anchorage-9.8.7.mjs");

    const info = await call("/agent/latest.json", { env });
    expect(await info.json()).toEqual({ version: "9.8.7", url: "http://localhost:8787/agent/anchorage-9.8.7.mjs", sha256: manifest.sha256, bytes: BUNDLE.byteLength });
  });

  it("answers another version's URL with 404 rather than a different file, and leaves /agent/connect alone", async () => {
    const { env } = await builtAssets();
    const old = await call("/agent/anchorage-0.0.1.mjs", { env });
    expect(old.status).toBe(404);
    expect(((await old.json()) as { error: { message: string } }).error.message).toContain("anchorage-9.8.7.mjs");
    // The agent's socket route is still the agent's: no upgrade header is its own refusal, not ours.
    const connect = await call("/agent/connect", { env });
    expect(connect.status).not.toBe(500);
    expect(JSON.stringify(await connect.json())).not.toContain("build:agent");
  });
});

