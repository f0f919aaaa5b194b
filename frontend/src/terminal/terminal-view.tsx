import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "preact/hooks";
import { formatBytes } from "../format.ts";
import { TerminalKeyBar } from "./terminal-key-bar.tsx";
import { NO_MODIFIERS, takesModifiers, withModifiers, type Modifiers } from "./terminal-keys.ts";
import { TerminalSocket, type TerminalState } from "./terminal-socket.ts";
import type { TerminalParticipant } from "@anchorage/common";
import { terminalTheme, watchColorScheme } from "./terminal-theme.ts";
import { participantWords, TerminalShare } from "./terminal-share.tsx";

/**
 * One terminal tab: xterm.js on a TerminalSocket, fitted to its box (a resize reaches the
 * shell), in the dashboard's colours. This module and xterm are loaded only when a terminal is
 * first opened (terminal-panel.tsx imports it dynamically), so the main bundle stays small.
 */

export interface TerminalViewProps {
  instanceId: string;
  /** "Terminal 2": names the keyboard input and the close button. */
  label: string;
  screenReader: boolean;
  /** The instance's agent is connected (live from the event socket): a waiting reattach goes at once. */
  online: boolean;
  state: TerminalState;
  onState: (s: TerminalState) => void;
  onClose: () => void;
  /** Asked on unmount: true when the tab was closed (end the shell), false when the page moved on (detach). */
  shouldEnd: () => boolean;
  onExpired: () => void;
  /** Attach to this running session instead of starting a shell (a tab restored on coming back). */
  attach?: string;
  /** Told the session's id once the server names it. */
  onSession?: (id: string) => void;
}

const encoder = new TextEncoder();

export function stateText(s: TerminalState): string {
  switch (s.kind) {
    case "connecting":
      return "Starting a shell…";
    case "open":
      return "Connected.";
    case "reconnecting":
      return s.attempt > 1 ? `Connection lost: reconnecting… (attempt ${s.attempt})` : "Connection lost: reconnecting…";
    case "exited":
      return s.code !== null ? `The shell exited with code ${s.code}.` : `The shell was ended${s.signal ? ` by ${s.signal}` : ""}.`;
    case "ended":
      return s.reason;
  }
}

/**
 * Lines a click types into the shell (then Enter), for what people run most when they open a
 * terminal on a machine. They are typed, not run behind the shell's back: the shell, its history
 * and Ctrl-C work on them as on anything typed.
 */
export const QUICK_COMMANDS: readonly { label: string; line: string }[] = [
  { label: "Where am I", line: "pwd && ls -la" },
  { label: "Git status", line: "git status" },
  { label: "Disk", line: "df -h" },
  { label: "Memory", line: "free -h" },
  { label: "Processes", line: "ps aux --sort=-%cpu | head -15" },
  { label: "Clear", line: "clear" },
];

const tone = (s: TerminalState) => (s.kind === "open" ? "ok" : s.kind === "ended" ? "bad" : "muted");

export function TerminalView({ instanceId, label, screenReader, online, state, onState, onClose, shouldEnd, onExpired, attach, onSession }: TerminalViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const socket = useRef<TerminalSocket | null>(null);
  const [hintId] = useState(() => `terminal-hint-${Math.random().toString(36).slice(2)}`);
  const [sessionId, setSessionId] = useState<string | null>(attach ?? null);
  const [participants, setParticipants] = useState<TerminalParticipant[]>([]);
  const [readOnly, setReadOnly] = useState(false);
  // Latest props for callbacks made once in the effect.
  const latest = useRef({ onState, shouldEnd, onExpired, onSession });
  latest.current = { onState, shouldEnd, onExpired, onSession };
  // The phone key bar's sticky Ctrl and Alt: state for its buttons, a ref for xterm's data callback.
  const [modifiers, setModifiers] = useState<Modifiers>(NO_MODIFIERS);
  const waiting = useRef<Modifiers>(NO_MODIFIERS);
  const hold = (m: Modifiers) => {
    waiting.current = m;
    setModifiers(m);
  };
  /** Sends one key with the waiting modifiers, which it uses up. */
  const sendKey = (data: string) => {
    const m = waiting.current;
    if ((m.ctrl || m.alt) && takesModifiers(data)) {
      hold(NO_MODIFIERS);
      socket.current?.send(withModifiers(data, m));
    } else socket.current?.send(data);
  };

  useEffect(() => {
    const el = host.current!;
    const t = new Terminal({
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 14,
      cursorBlink: true,
      scrollback: 5000,
      theme: terminalTheme(),
      // Whatever colours a program picks, text stays readable on our background (WCAG AA).
      minimumContrastRatio: 4.5,
      screenReaderMode: screenReader,
    });
    const fit = new FitAddon();
    t.loadAddon(fit);
    t.open(el);
    fit.fit();
    term.current = t;
    t.textarea?.setAttribute("aria-label", label);
    t.textarea?.setAttribute("aria-describedby", hintId);

    const s = new TerminalSocket(instanceId, {
      output: (bytes) => t.write(bytes),
      gap: (n) => t.write(`\r\n\x1b[2m[${formatBytes(n)} of output was lost while disconnected]\x1b[0m\r\n`),
      state: (st) => {
        const over = st.kind === "exited" || st.kind === "ended";
        t.options.disableStdin = over;
        t.options.cursorBlink = !over;
        if (over) t.write(`\r\n\x1b[2m[${stateText(st)}]\x1b[0m\r\n`);
        latest.current.onState(st);
      },
      expired: () => latest.current.onExpired(),
      session: (sid) => {
        setSessionId(sid);
        latest.current.onSession?.(sid);
      },
      participants: setParticipants,
      readOnly: () => setReadOnly(true),
    });
    socket.current = s;
    s.start(t.cols, t.rows, attach);

    // A key typed on the keyboard takes a Ctrl or Alt waiting on the key bar.
    t.onData(sendKey);
    // Some mouse reports are raw bytes, one per character.
    t.onBinary((d) => s.send(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
    t.onResize(({ cols, rows }) => s.resize(cols, rows));

    // Tab belongs to the shell (completion); Escape then Tab leaves the terminal, as in CodeMirror.
    let escaped = false;
    t.attachCustomKeyEventHandler((e) => {
      if (e.type !== "keydown" || ["Shift", "Control", "Alt", "Meta"].includes(e.key)) return true;
      const leave = e.key === "Tab" && escaped && !e.ctrlKey && !e.altKey && !e.metaKey;
      escaped = e.key === "Escape";
      return !leave;
    });

    // Fit to the box whenever it changes size (window, phone rotation, a hidden tab shown again).
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (el.clientWidth > 0 && el.clientHeight > 0) fit.fit();
      });
    });
    observer.observe(el);
    const stopWatching = watchColorScheme(() => (t.options.theme = terminalTheme()));
    t.focus();

    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
      stopWatching();
      if (latest.current.shouldEnd()) s.end();
      else s.detach();
      t.dispose();
    };
  }, []);

  useEffect(() => {
    if (term.current) term.current.options.screenReaderMode = screenReader;
  }, [screenReader]);

  useEffect(() => {
    if (online) socket.current?.wake();
  }, [online]);

  return (
    <>
      <div class="terminal-bar">
        <p class={`terminal-state ${tone(state)}`} role="status">
          {stateText(state)}
        </p>
        {state.kind === "reconnecting" && (
          <button type="button" onClick={() => socket.current?.reconnectNow()}>
            Reconnect now
          </button>
        )}
        {state.kind === "ended" && state.canRetry && (
          <button type="button" onClick={() => socket.current?.reconnectNow()}>
            Try again
          </button>
        )}
        <TerminalShare instanceId={instanceId} sessionId={state.kind === "open" ? sessionId : null} label={label} />
        <button type="button" class="danger" onClick={onClose}>
          Close<span class="visually-hidden"> {label}</span>
        </button>
      </div>
      {participants.length > 1 && <p class="muted">In this session: {participantWords(participants)}</p>}
      {readOnly && (
        <p class="muted" role="status">
          You are watching: your keys do not reach this shell.
        </p>
      )}
      <div class="quick-commands" role="group" aria-label={`Quick commands for ${label}`}>
        {QUICK_COMMANDS.map((q) => (
          <button
            key={q.label}
            type="button"
            title={q.line}
            aria-label={`${q.label}: types ${q.line}`}
            disabled={state.kind !== "open"}
            onClick={() => {
              socket.current?.send(`${q.line}\r`);
              term.current?.focus();
            }}
          >
            {q.label}
          </button>
        ))}
      </div>
      <p id={hintId} class="hint">
        Keys go to the shell, Tab included. Press Escape, then Tab, to move focus out of the terminal.
      </p>
      {/* The frame draws the border and padding; the host inside has none, so the fit measures the box xterm really gets. */}
      <div class="terminal-frame">
        <div class="terminal-host" ref={host} />
      </div>
      <TerminalKeyBar
        modifiers={modifiers}
        disabled={state.kind !== "open"}
        onToggle={(which) => {
          hold({ ...waiting.current, [which]: !waiting.current[which] });
          term.current?.focus();
        }}
        onKey={(data) => {
          sendKey(data(term.current?.modes.applicationCursorKeysMode ?? false));
          term.current?.focus();
        }}
      />
    </>
  );
}
