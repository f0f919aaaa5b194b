import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import WebSocket from "ws";
import { createServer as createViteServer, type ViteDevServer } from "vite";
import { freshUser } from "./users.ts";
import { startAgent, until } from "./agent-process.ts";
import { hasChromium, launchChromium } from "./browser.ts";

/**
 * Real apps behind the proxy (issue 20): one that compresses its own responses (node's zlib), a
 * Vite dev server (HMR included), a static site with absolute URLs, and Jupyter where installed.
 */
const port = () => inject("port");
const hostForm = (slug: string) => `http://${slug}.localhost:${port()}`;
const pathForm = (slug: string) => `http://localhost:${port()}/p/${slug}`;
const slugOf = (name: string) => `${name}-${Date.now().toString(36)}`;

/** A raw request (no decoding, any Host): what the visitor's wire carries. */
function raw(url: string, headers: Record<string, string> = {}, method = "GET", body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: port(), path: u.pathname + u.search, method, headers: { host: u.host, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

const SCRIPT = (name: string) => `window.${name} = "ran";\n/* ${"padding ".repeat(300)} */\n`;

/** An app that compresses what it serves itself, as Express's compression() does: br or gzip, as the visitor accepts. */
function compressingApp() {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const accepted = String(req.headers["accept-encoding"] ?? "");
    seen.push(accepted);
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/") {
      res.setHeader("content-type", "text/html");
      return res.end(`<!doctype html><title>zip</title><script src="/gz.js"></script><script src="${url.searchParams.get("path") ?? ""}/gz.js?as=path"></script>`);
    }
    const want = url.pathname === "/br.js" ? "br" : "gzip";
    const js = Buffer.from(SCRIPT(url.searchParams.get("as") === "path" ? "viaPath" : want === "br" ? "br" : "gz"));
    res.setHeader("content-type", "application/javascript");
    res.setHeader("vary", "accept-encoding");
    if (!accepted.includes(want)) return res.end(js);
    res.setHeader("content-encoding", want);
    return res.end(want === "br" ? brotliCompressSync(js) : gzipSync(js));
  });
  return { server, seen };
}

/** A static site whose pages use absolute URLs everywhere. */
function staticSite() {
  const files: Record<string, [string, string]> = {
    "/": ["text/html", `<!doctype html><title>site</title><link rel="stylesheet" href="/css/site.css"><script src="/js/site.js"></script><img id="dot" src="/img/dot.svg"><a href="/about.html">About</a>`],
    "/css/site.css": ["text/css", "body { color: rgb(1, 2, 3); }"],
    "/js/site.js": ["application/javascript", "fetch('/data/x.json').then((r) => r.json()).then((d) => (window.data = d.answer));"],
    "/img/dot.svg": ["image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" width="7" height="7"><rect width="7" height="7"/></svg>`],
    "/data/x.json": ["application/json", `{"answer":42}`],
    "/about.html": ["text/html", "<!doctype html><title>About</title><h1>About us</h1>"],
  };
  return createServer((req, res) => {
    const f = files[new URL(req.url ?? "/", "http://x").pathname];
    if (!f) return res.writeHead(404).end();
    res.setHeader("content-type", f[0]);
    res.end(f[1]);
  });
}

function viteProject(): string {
  const root = mkdtempSync(join(tmpdir(), "vite-app-"));
  writeFileSync(join(root, "index.html"), `<!doctype html><title>vite</title><h1 id="h">Vite app</h1><script type="module" src="/main.js"></script>`);
  writeFileSync(join(root, "main.js"), `import "./style.css";\nwindow.loadedOnce = (window.loadedOnce ?? 0) + 1;\n`);
  writeFileSync(join(root, "style.css"), `h1 { color: rgb(255, 0, 0); }\n`);
  return root;
}

describe("real apps behind the proxy", () => {
  let browser: Browser | undefined;
  const agents: Awaited<ReturnType<typeof startAgent>>[] = [];
  const servers: Server[] = [];
  const vites: ViteDevServer[] = [];
  let token = "";

  async function publish(slug: string, appPort: number, extra = "") {
    agents.push(await startAgent(token, `name: ${slug}\nproxy: { slug: ${slug}, target: "http://127.0.0.1:${appPort}", access: public${extra} }\n`));
    await until(async () => (await raw(`${hostForm(slug)}/`)).status < 400, 20_000); // the agent has said hello and the app answers
  }

  beforeAll(async () => {
    token = (await freshUser("real-apps")).token;
    if (hasChromium()) browser = await launchChromium();
  });
  afterAll(async () => {
    for (const a of agents) a.run.child.kill("SIGKILL");
    await browser?.close();
    for (const v of vites) await v.close();
    for (const s of servers) s.close();
  });

  it("a compressing app: its gzip and br bytes reach the visitor untouched on both forms, identity when asked, and its scripts run in Chromium", async () => {
    const { server, seen } = compressingApp();
    servers.push(server);
    const slug = slugOf("zip");
    await publish(slug, await listen(server));
    for (const base of [hostForm(slug), pathForm(slug)]) {
      const gz = await raw(`${base}/gz.js`, { "accept-encoding": "gzip" });
      expect(seen.at(-1)).toBe("gzip");
      expect(gz.headers["content-encoding"]).toBe("gzip");
      expect(gz.body.equals(gzipSync(Buffer.from(SCRIPT("gz"))))).toBe(true); // byte for byte: compressed once
      expect(gunzipSync(gz.body).toString()).toBe(SCRIPT("gz"));
      const br = await raw(`${base}/br.js`, { "accept-encoding": "br" });
      expect(seen.at(-1)).toBe("br");
      expect(br.headers["content-encoding"]).toBe("br");
      expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT("br"));
      const plain = await raw(`${base}/gz.js`, { "accept-encoding": "identity" });
      expect(seen.at(-1)).toBe("identity");
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.body.toString()).toBe(SCRIPT("gz"));
    }
    if (!browser) return;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // The page on the host form; its second script comes from the path form (a no-cors script load).
    await page.goto(`${hostForm(slug)}/?path=${encodeURIComponent(pathForm(slug))}`);
    await until(async () => (await page.evaluate("[window.gz, window.viaPath].join()")) === "ran,ran", 10_000);
    expect(errors).toEqual([]);
    expect(seen.some((s) => s.includes("gzip") && s !== "gzip")).toBe(true); // Chromium's own Accept-Encoding reached the app
    await page.close();
  });

  it("a Vite dev server on the host form: the page runs, its HMR socket connects through the proxy and a CSS edit arrives as a hot update", async () => {
    const root = viteProject();
    const vite = await createViteServer({ root, configFile: false, logLevel: "silent", server: { host: "127.0.0.1", port: 0, strictPort: false } });
    vites.push(vite);
    await vite.listen();
    const slug = slugOf("vite");
    await publish(slug, (vite.httpServer!.address() as AddressInfo).port);
    expect((await raw(`${hostForm(slug)}/@vite/client`)).headers["content-type"]).toMatch(/javascript/);
    if (!browser) return;
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on("console", (m) => logs.push(m.text()));
    await page.goto(`${hostForm(slug)}/`);
    const color = () => page.evaluate(`getComputedStyle(document.getElementById("h")).color`);
    await until(async () => (await color()) === "rgb(255, 0, 0)", 15_000);
    // Vite's HMR socket connects through the proxy (Host and Origin consistent for it).
    await until(() => logs.includes("[vite] connected."), 15_000);
    // A CSS edit reaches the page through that socket as a hot update: the color changes and the
    // page is not reloaded (main.js ran once).
    writeFileSync(join(root, "style.css"), `h1 { color: rgb(0, 0, 255); }\n`);
    await until(async () => (await color()) === "rgb(0, 0, 255)", 20_000);
    expect(logs).toContain("[vite] hot updated: /style.css");
    expect(await page.evaluate("window.loadedOnce")).toBe(1);
    await page.close();
  });

  it("Vite with --base /p/<slug>/ and proxy.keep_prefix: the path form serves the page and its absolute /p/<slug>/ URLs", async () => {
    const slug = slugOf("vitebase");
    const vite = await createViteServer({ root: viteProject(), base: `/p/${slug}/`, configFile: false, logLevel: "silent", server: { host: "127.0.0.1", port: 0 } });
    vites.push(vite);
    await vite.listen();
    await publish(slug, (vite.httpServer!.address() as AddressInfo).port, ", keep_prefix: true");
    // Browsers' navigations to the path form go to the host form (PROXY_DOMAIN is set locally):
    // what applies to the path form is seen by a client that is not navigating.
    const page = await raw(`${pathForm(slug)}/`, { accept: "text/html" });
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain(`/p/${slug}/@vite/client`);
    const client = await raw(`${pathForm(slug)}/@vite/client`);
    expect(client.status).toBe(200);
    expect(client.headers["content-type"]).toMatch(/javascript/);
    expect((await raw(`${pathForm(slug)}/main.js`)).body.toString()).toContain(`/p/${slug}/style.css`);
  });

  it("a static site with absolute URLs works on the host form; on the path form its absolute asset is a 404 that says why", async () => {
    const server = staticSite();
    servers.push(server);
    const slug = slugOf("site");
    await publish(slug, await listen(server));
    const asset = await raw(`http://localhost:${port()}/css/site.css`, { referer: `${pathForm(slug)}/`, "sec-fetch-mode": "no-cors", "sec-fetch-dest": "style" });
    expect(asset.status).toBe(404);
    const error = JSON.parse(asset.body.toString()).error;
    expect(error.code).toBe("E-NOT-FOUND");
    expect(error.message).toContain(`the app at /p/${slug}/ uses absolute URLs`);
    expect(error.message).toContain(`${hostForm(slug)}/`);
    if (!browser) return;
    const page = await browser.newPage();
    await page.goto(`${hostForm(slug)}/`);
    await until(async () => (await page.evaluate("window.data")) === 42, 10_000);
    expect(await page.evaluate(`getComputedStyle(document.body).color`)).toBe("rgb(1, 2, 3)");
    expect(await page.evaluate(`document.getElementById("dot").naturalWidth`)).toBe(7);
    await page.getByRole("link", { name: "About" }).click();
    await page.getByRole("heading", { name: "About us" }).waitFor();
    expect(page.url()).toBe(`${hostForm(slug)}/about.html`);
    await page.close();
  });

  describe.runIf(existsSync("/usr/bin/jupyter-notebook"))("Jupyter", () => {
    let jupyter: ChildProcess;
    let jupyterPort = 0;
    beforeAll(async () => {
      const probe = createServer();
      jupyterPort = await listen(probe);
      probe.close();
      jupyter = spawn("/usr/bin/jupyter-notebook", ["--no-browser", "--ip=127.0.0.1", `--port=${jupyterPort}`, "--NotebookApp.token=e2e-token", "--allow-root", `--notebook-dir=${mkdtempSync(join(tmpdir(), "nb-"))}`], { stdio: "ignore" });
      await until(async () => (await fetch(`http://127.0.0.1:${jupyterPort}/api`).catch(() => null))?.ok, 60_000);
    }, 90_000);
    afterAll(() => void jupyter?.kill("SIGKILL"));

    it("runs a kernel through the host form with default settings: Host and Origin agree, so Jupyter accepts its own page's API calls and kernel socket", async () => {
      const slug = slugOf("nb");
      await publish(slug, jupyterPort);
      const origin = hostForm(slug);
      const auth = { authorization: "token e2e-token", origin, "content-type": "application/json" };
      const created = await raw(`${origin}/api/kernels`, auth, "POST", "{}");
      expect(created.status, created.body.toString()).toBe(201);
      const kernel = JSON.parse(created.body.toString()) as { id: string };
      const ws = new WebSocket(`ws://127.0.0.1:${port()}/api/kernels/${kernel.id}/channels?token=e2e-token`, { headers: { host: `${slug}.localhost:${port()}`, origin } });
      const output = new Promise<string>((resolve, reject) => {
        ws.on("error", reject);
        ws.on("message", (data) => {
          const msg = JSON.parse(String(data));
          if (msg.msg_type === "stream") resolve(msg.content.text);
        });
      });
      await new Promise<void>((resolve, reject) => (ws.on("open", () => resolve()), ws.on("error", reject)));
      const header = { msg_id: crypto.randomUUID(), msg_type: "execute_request", username: "e2e", session: crypto.randomUUID(), version: "5.3", date: new Date().toISOString() };
      ws.send(JSON.stringify({ header, parent_header: {}, metadata: {}, channel: "shell", content: { code: "print(6 * 7)", silent: false, store_history: false, user_expressions: {}, allow_stdin: false } }));
      expect((await output).trim()).toBe("42");
      ws.close();
    }, 90_000);
  });
});
