import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { replaceAgentFile } from "../../../agent/src/commands/update.ts";

const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");

/** A deployment serving /agent/latest.json and a bundle; `served` may differ from what latest.json announces. */
async function deployment(o: { announced: string; served?: string; url?: string }) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === "/agent/latest.json") {
      const body = JSON.stringify({ version: "2.0.0", url: o.url ?? `http://${req.headers.host}/agent/anchorage-2.0.0.mjs`, sha256: sha(o.announced), bytes: Buffer.byteLength(o.announced) });
      return res.writeHead(200, { "content-type": "application/json" }).end(body);
    }
    if (req.url === "/agent/anchorage-2.0.0.mjs") return res.writeHead(200).end(o.served ?? o.announced);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, hits };
}
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

function installed(content: string) {
  const dir = mkdtempSync(join(tmpdir(), "anchorage-update-"));
  const target = join(dir, "anchorage.mjs");
  writeFileSync(target, content, { mode: 0o755 });
  return { dir, target };
}

describe("anchorage update", () => {
  it("replaces the agent's file with its deployment's bundle, executable, leaving no temp file", async () => {
    const d = await deployment({ announced: "// agent 2.0.0\n" });
    const { dir, target } = installed("// agent 1.0.0\n");
    expect(await replaceAgentFile({ server: d.url, target, currentVersion: "1.0.0" })).toEqual({ updated: true, from: "1.0.0", to: "2.0.0" });
    expect(readFileSync(target, "utf8")).toBe("// agent 2.0.0\n");
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(readdirSync(dir)).toEqual(["anchorage.mjs"]);
  });

  it("downloads nothing when the file already is the served bundle", async () => {
    const d = await deployment({ announced: "// agent 2.0.0\n" });
    const { target } = installed("// agent 2.0.0\n");
    expect((await replaceAgentFile({ server: d.url, target, currentVersion: "2.0.0" })).updated).toBe(false);
    expect(d.hits).toEqual(["/agent/latest.json"]);
  });

  it("keeps the old file when the download is not the announced bundle (a cut or tampered transfer)", async () => {
    const d = await deployment({ announced: "// agent 2.0.0\n", served: "// agent 2.0.0 with something else\n" });
    const { dir, target } = installed("// agent 1.0.0\n");
    await expect(replaceAgentFile({ server: d.url, target, currentVersion: "1.0.0" })).rejects.toThrow(/not the announced bundle.*nothing replaced/);
    expect(readFileSync(target, "utf8")).toBe("// agent 1.0.0\n");
    expect(readdirSync(dir)).toEqual(["anchorage.mjs"]);
  });

  it("fetches from the server it is anchored to even when latest.json names another host", async () => {
    const d = await deployment({ announced: "// agent 2.0.0\n", url: "http://elsewhere.invalid/agent/anchorage-2.0.0.mjs" });
    const { target } = installed("// agent 1.0.0\n");
    expect((await replaceAgentFile({ server: d.url, target, currentVersion: "1.0.0" })).updated).toBe(true);
    expect(d.hits).toEqual(["/agent/latest.json", "/agent/anchorage-2.0.0.mjs"]);
  });
});
