import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import { connect, createServer as createTcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base } from "./http-client.ts";
import { freshUser } from "./users.ts";
import { anchorage, until } from "./agent-process.ts";

/**
 * A busy proxy spread over relay objects, end to end: a real agent with `proxy.relays: 3` holds its
 * own socket and two relay sockets, all through a TCP forwarder here that knows which connection is
 * which (from its upgrade request) and can cut one, as a network would.
 */

/** Passes TCP through to the stack, remembering each connection's WebSocket upgrade path. */
async function startForwarder(port: number) {
  const conns: { path: string | null; client: Socket; upstream: Socket }[] = [];
  const server = createTcpServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    const conn = { path: null as string | null, client, upstream };
    conns.push(conn);
    client.on("data", (d: Buffer) => {
      const m = /^GET (\/agent\/connect\?\S+) HTTP\/1\.1/m.exec(d.toString("latin1"));
      if (m) conn.path = m[1]!;
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    /** Open connections that are relay socket `relay`… */
    relay: (relay: number) => conns.filter((c) => !c.client.destroyed && c.path?.endsWith(`&relay=${relay}`)),
    /** …or the agent's own socket. */
    own: () => conns.filter((c) => !c.client.destroyed && c.path !== null && !c.path.includes("&relay=")),
    close: () => {
      for (const c of conns) c.client.destroy();
      server.close();
    },
  };
}

/** The local app: `/id?i=` answers i; `/hold` answers its head and a first line at once, the rest when released. */
async function startApp() {
  const held: ServerResponse[] = [];
  let closedEarly = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/id") return res.end(url.searchParams.get("i"));
    res.on("close", () => !res.writableFinished && closedEarly++);
    // Not text/*: a compressing hop would hold a first line this small back.
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write("start\n");
    held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    held,
    closedEarly: () => closedEarly,
    release: () => held.forEach((r) => r.end("done\n")),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Reads the rest of a body: its text, and the error that cut it (or null). */
async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<{ text: string; error: string | null }> {
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: null };
      text += new TextDecoder().decode(value);
    }
  } catch (e) {
    return { text, error: (e as Error).message };
  }
}

describe("a busy proxy spread over relay objects", () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let fwd: Awaited<ReturnType<typeof startForwarder>>;
  let agent: ReturnType<typeof anchorage>;

  beforeAll(async () => {
    app = await startApp();
    fwd = await startForwarder(inject("port"));
    const { token } = await freshUser("relay-owner");
    const home = mkdtempSync(join(tmpdir(), "anchorage-agent-"));
    const anchored = anchorage(["anchor", fwd.url, "--home", home, "--token", token]);
    if ((await anchored.done) !== 0) throw new Error(anchored.output());
    writeFileSync(join(home, "config.yaml"), `name: relay-app\nproxy: { slug: relay-app, target: "http://127.0.0.1:${app.port}", access: public, relays: 3 }\n`);
    agent = anchorage(["run", "--home", home]);
    await until(() => fwd.relay(1).length && fwd.relay(2).length, 20_000).catch((e: Error) => {
      throw new Error(`${e.message}; the agent said:\n${agent.output()}`);
    });
    await until(async () => (await fetch(`${base()}/p/relay-app/id?i=1`)).status === 200, 20_000);
  });
  afterAll(() => {
    agent?.child.kill("SIGKILL");
    fwd?.close();
    app?.close();
  });

  it("answers 100 concurrent requests correctly, spread over the agent's sockets", async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const res = await fetch(`${base()}/p/relay-app/id?i=${i}`);
        return { body: await res.text(), relay: res.headers.get("x-anchorage-relay") };
      }),
    );
    expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    const perRelay = Object.fromEntries(["0", "1", "2"].map((k) => [k, answers.filter((a) => a.relay === k).length]));
    console.log("requests per socket (0: the agent's own, 1 and 2: relays):", perRelay);
    expect(Object.values(perRelay).filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(perRelay["0"]! + perRelay["1"]! + perRelay["2"]!).toBe(100);
  });

  it("cutting one relay socket fails only the exchanges on it; new requests keep working, and it comes back", async () => {
    const responses = await Promise.all(Array.from({ length: 30 }, () => fetch(`${base()}/p/relay-app/hold`)));
    const onRelay = (k: string) => responses.filter((r) => r.headers.get("x-anchorage-relay") === k);
    expect(onRelay("1").length).toBeGreaterThan(0);
    await until(() => app.held.length === 30);
    // Every exchange is streaming: its first line has arrived.
    const readers = responses.map((r) => ({ relay: r.headers.get("x-anchorage-relay"), reader: r.body!.getReader() }));
    for (const { reader } of readers) expect(new TextDecoder().decode((await reader.read()).value)).toBe("start\n");
    const bodies = readers.map(({ relay, reader }) => ({ relay, body: readRest(reader) }));

    const cutAt = Date.now();
    for (const c of fwd.relay(1)) c.client.destroy();
    const cut = await Promise.all(bodies.filter((b) => b.relay === "1").map((b) => b.body));
    expect(Date.now() - cutAt).toBeLessThan(5_000);
    for (const b of cut) {
      expect(b.text).toBe(""); // nothing after the cut…
      expect(b.error).not.toBeNull(); // …and not a clean end that would pass for the whole body
    }
    // The agent cancelled exactly those requests at the app.
    await until(() => app.closedEarly() === cut.length, 5_000);

    // New requests keep working while relay 1 reconnects (its share goes to the InstanceDO meanwhile).
    const fresh = await Promise.all(Array.from({ length: 30 }, (_, i) => fetch(`${base()}/p/relay-app/id?i=${i}`).then((r) => r.text())));
    expect(fresh).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));

    // The exchanges on the other sockets were untouched: they finish when the app does.
    app.release();
    const others = await Promise.all(bodies.filter((b) => b.relay !== "1").map((b) => b.body));
    expect(others.length).toBe(30 - cut.length);
    for (const b of others) expect(b).toEqual({ text: "done\n", error: null });

    // Relay 1 reconnects by itself and serves again.
    await until(() => fwd.relay(1).length, 20_000);
    await until(async () => (await fetch(`${base()}/p/relay-app/id?i=7`)).headers.get("x-anchorage-relay") === "1", 20_000);
  });

  it("closes the relay sockets with the agent's own, and opens them again once it is back", async () => {
    const before = [...fwd.relay(1), ...fwd.relay(2)];
    expect(before.length).toBe(2);
    for (const c of fwd.own()) c.client.destroy();
    // The agent closes its relays itself: they belong to the connection that just ended.
    await until(() => before.every((c) => c.client.destroyed), 10_000);
    await until(() => fwd.own().length && fwd.relay(1).length && fwd.relay(2).length, 20_000);
    const seen = new Set<string | null>();
    await until(async () => {
      const res = await fetch(`${base()}/p/relay-app/id?i=9`);
      if ((await res.text()) === "9") seen.add(res.headers.get("x-anchorage-relay"));
      return seen.size === 3;
    }, 20_000);
  });
});
