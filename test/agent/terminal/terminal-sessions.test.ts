import { afterEach, describe, expect, it } from "vitest";
import { agentConfigSchema, decodeFrame, FrameType, StreamEndpoint, StreamFlag, type PtyOpen } from "@anchorage/common";
import { loadPtyBackend } from "../../../agent/src/terminal/pty-backend.ts";
import { TerminalSessions, type TtyEnded } from "../../../agent/src/terminal/terminal-sessions.ts";
import type { StreamHandlers } from "../../../agent/src/proxy/stream-types.ts";

const log = { info: () => {}, warn: () => {}, error: () => {} };
const until = async (check: () => unknown, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** One attachment as the DO sees it: what the agent sends back on the stream, decoded. */
function attachment(id: number) {
  const heads: any[] = [];
  let out = "";
  let ended = false;
  let reset: string | null = null;
  const handlers: StreamHandlers = { onData: () => {}, onEnd: () => {}, onReset: () => {} };
  const stream = new StreamEndpoint(id, (bytes) => {
    const d = decodeFrame(bytes);
    if (!d.ok) throw new Error(d.error);
    const f = d.frame;
    if (f.type === FrameType.DATA && f.flags & StreamFlag.HEAD) heads.push(JSON.parse(new TextDecoder().decode(f.payload)));
    else if (f.type === FrameType.DATA) out += new TextDecoder().decode(f.payload);
    else if (f.type === FrameType.END) ended = true;
    else if (f.type === FrameType.RESET) reset = new TextDecoder().decode(f.payload);
  }, { onData: (p, fl) => handlers.onData(p, fl), onEnd: () => handlers.onEnd(), onReset: (r) => handlers.onReset(r) });
  const frame = (type: number, payload: Uint8Array, flags = 0) => stream.receive({ type: type as 2, streamId: id, flags, payload });
  return {
    stream, handlers, heads,
    output: () => out,
    ended: () => ended,
    reset: () => reset,
    type: (s: string) => frame(FrameType.DATA, new TextEncoder().encode(s)),
    control: (c: unknown) => frame(FrameType.DATA, new TextEncoder().encode(JSON.stringify(c)), StreamFlag.HEAD),
    detach: () => frame(FrameType.END, new Uint8Array(0)),
  };
}

let sessions: TerminalSessions | undefined;
afterEach(() => sessions?.closeAll());

function setup(terminal: Record<string, unknown> = {}) {
  const ended: TtyEnded[] = [];
  const config = agentConfigSchema.parse({ name: "t", terminal: { shell: "/bin/sh", ...terminal } });
  sessions = new TerminalSessions({ config, log, spawnPty: loadPtyBackend(log), onEnded: (e) => ended.push(e) });
  let next = 1;
  const open = (o: Partial<PtyOpen> & { session: string }) => {
    const a = attachment(next);
    next += 2;
    sessions!.attach(a.stream, a.handlers, { kind: "pty", user: "usr_a", create: true, cols: 80, rows: 24, ...o });
    return a;
  };
  return { ended, open };
}

describe("terminal sessions on the agent", () => {
  it("keeps a detached shell for the grace period, then ends it", async () => {
    const { ended, open } = setup({ grace_seconds: 1 });
    const a = open({ session: "tty_grace0001" });
    await until(() => a.heads.length);
    expect(a.heads[0].attached).toMatchObject({ offset: 0, shell: "/bin/sh" });
    a.detach();
    expect(a.ended()).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const back = open({ session: "tty_grace0001", create: false });
    await until(() => back.heads.length);
    back.detach();
    await until(() => ended.length, 5_000);
    expect(ended[0]).toMatchObject({ session: "tty_grace0001", reason: "detached" });
    const late = open({ session: "tty_grace0001", create: false });
    expect(late.reset()).toMatch(/no such terminal session/);
  });

  it("keeps the exit code of a shell that ended while detached, for its user's return", async () => {
    const { ended, open } = setup();
    const a = open({ session: "tty_exited001" });
    a.type("sleep 0.3; exit 5\n");
    a.detach();
    await until(() => ended.length);
    expect(ended[0]).toMatchObject({ code: 5, reason: "exit" });
    const back = open({ session: "tty_exited001", create: false });
    await until(() => back.ended());
    expect(back.heads.at(-1)).toEqual({ exit: { code: 5, signal: null } });
  });

  it("lets only the session's own user reattach", async () => {
    const { open } = setup();
    const a = open({ session: "tty_mine00001" });
    await until(() => a.heads.length);
    const other = open({ session: "tty_mine00001", create: false, user: "usr_b" });
    expect(other.reset()).toMatch(/no such terminal session/);
    expect(a.reset()).toBeNull(); // the owner's attachment is untouched
  });

  it("ends idle sessions and those past their maximum lifetime", async () => {
    const { ended, open } = setup({ idle_seconds: 1 });
    open({ session: "tty_idle00001" });
    await until(() => ended.length, 15_000);
    expect(ended[0]).toMatchObject({ reason: "idle" });
    const max = setup({ max_seconds: 1 });
    const b = max.open({ session: "tty_max000001" });
    b.type("while true; do echo busy; sleep 0.2; done\n"); // never idle
    await until(() => max.ended.length, 10_000);
    expect(max.ended[0]).toMatchObject({ reason: "max-lifetime" });
  });

  it("closes every session of a user on request, attached or not, and gives the shell no agent secrets", async () => {
    process.env.ANCHORAGE_PASSWORD = "hunter2";
    const { ended, open } = setup();
    const a = open({ session: "tty_user00001" });
    a.type("echo pw=${ANCHORAGE_PASSWORD:-none} term=$TERM\n");
    await until(() => /pw=none term=xterm-256color/.test(a.output()));
    const b = open({ session: "tty_user00002" });
    b.detach();
    expect(sessions!.close({ user: "usr_a" }).sort()).toEqual(["tty_user00001", "tty_user00002"]);
    await until(() => ended.length === 2);
    expect(ended.map((e) => e.reason)).toEqual(["closed", "closed"]);
    delete process.env.ANCHORAGE_PASSWORD;
  });

  it("stops reading a flooding shell while the server grants no credit (backpressure, bounded memory)", async () => {
    const { open } = setup();
    const a = open({ session: "tty_flood0001" });
    a.type("yes 0123456789012345678901234567890123456789\n");
    // No WINDOW frames come back, so at most a window (plus what is queued behind it) leaves.
    await new Promise((r) => setTimeout(r, 1_500));
    const sent = a.output().length;
    expect(sent).toBeGreaterThan(100_000);
    expect(sent).toBeLessThanOrEqual(1024 * 1024);
    expect(a.stream.queuedBytes).toBeLessThan(4 * 1024 * 1024);
  });
});
