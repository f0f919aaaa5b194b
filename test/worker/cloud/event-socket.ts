import { expect } from "vitest";
import { call } from "../helpers.ts";
import { until } from "./fake-agent.ts";

/** Opens /api/events with a credential (a session's access token or an API token) and collects what arrives. */
export async function openEvents(token: string) {
  const res = await call("/api/events", { token, headers: { upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const events: any[] = [];
  let closed: number | null = null;
  ws.addEventListener("message", (e) => events.push(JSON.parse(e.data as string)));
  ws.addEventListener("close", (e) => (closed = e.code));
  await until(() => events.find((e) => e.type === "hello"));
  return { ws, events, closed: () => closed };
}
