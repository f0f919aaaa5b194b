import type { HubEvent } from "@anchorage/common";
import { useEffect, useRef, useState } from "preact/hooks";
import { getCurrentUser } from "../api.ts";

/**
 * The dashboard's one live socket, `/api/events` (the session cookie authenticates it).
 * It reconnects by itself, 1 s doubling to 30 s, and pings every 20 s so idle
 * proxies keep it open. Components listen with `useHubListener`.
 */

export type HubState = "connecting" | "live" | "offline";
type Listener = (event: HubEvent) => void;

export interface Hub {
  state: HubState;
  /** How many times the socket has opened: above 1 means it reconnected and events may have been missed. */
  connection: number;
  subscribe: (fn: Listener) => () => void;
}

const PING_MS = 20_000;
const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** A connection that lasted this long was healthy: the next retry starts from 1 s again. */
const STABLE_MS = 10_000;
/** The server closes a socket with this when its session ends (logout, revoke, disable). */
const CLOSE_SESSION_ENDED = 4401;

const eventsUrl = () => (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/events";

function isHubEvent(v: unknown): v is HubEvent {
  if (typeof v !== "object" || v === null) return false;
  const { type, instanceId } = v as { type?: unknown; instanceId?: unknown };
  return typeof type === "string" && type.startsWith("cloud:") && typeof instanceId === "string";
}

export function useHub(onExpired: () => void): Hub {
  const [state, setState] = useState<HubState>("connecting");
  const [connection, setConnection] = useState(0);
  const listeners = useRef(new Set<Listener>());
  const expired = useRef(onExpired);
  expired.current = onExpired;

  useEffect(() => {
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let ping: ReturnType<typeof setInterval> | undefined;
    let delay = MIN_DELAY_MS;
    let stopped = false;

    function schedule() {
      if (stopped || retry !== undefined) return;
      retry = setTimeout(connect, delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }

    function connect() {
      retry = undefined;
      if (stopped) return;
      let openedAt = 0;
      const ws = new WebSocket(eventsUrl());
      socket = ws;
      ws.onopen = () => {
        openedAt = Date.now();
        setState("live");
        setConnection((n) => n + 1);
        ping = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
        }, PING_MS);
      };
      ws.onmessage = (m: MessageEvent) => {
        if (typeof m.data !== "string") return;
        let data: unknown;
        try {
          data = JSON.parse(m.data);
        } catch {
          return;
        }
        // {"type":"hello"} and {"type":"pong"} need nothing.
        if (!isHubEvent(data)) return;
        for (const fn of listeners.current) fn(data);
      };
      ws.onclose = (ev: CloseEvent) => {
        clearInterval(ping);
        if (stopped || socket !== ws) return;
        socket = null;
        setState("offline");
        if (openedAt && Date.now() - openedAt > STABLE_MS) delay = MIN_DELAY_MS;
        if (openedAt && ev.code !== CLOSE_SESSION_ENDED) return schedule();
        // Refused before it opened (an expired access cookie is a 401 the socket cannot show us),
        // or the session ended: find out whether there is still a session, refreshing it once.
        getCurrentUser().then(
          (user) => {
            if (stopped) return;
            if (user) schedule();
            else expired.current();
          },
          () => schedule(),
        );
      };
    }

    // Back online: try now rather than wait out the backoff.
    function online() {
      if (socket || retry === undefined) return;
      clearTimeout(retry);
      delay = MIN_DELAY_MS;
      connect();
    }

    connect();
    addEventListener("online", online);
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      removeEventListener("online", online);
      socket?.close(1000, "page closed");
    };
  }, []);

  const subscribe = useRef((fn: Listener) => {
    listeners.current.add(fn);
    return () => void listeners.current.delete(fn);
  }).current;

  return { state, connection, subscribe };
}

/** Calls `fn` (its latest version) for every event while the component is mounted. */
export function useHubListener(hub: Hub, fn: Listener) {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => hub.subscribe((e) => latest.current(e)), [hub.subscribe]);
}
