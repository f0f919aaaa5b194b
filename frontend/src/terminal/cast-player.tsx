import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "preact/hooks";
import { parseResize, playbackDelays, type Cast } from "./asciicast.ts";
import { terminalTheme, watchColorScheme } from "./terminal-theme.ts";

/**
 * Replays a recording into xterm.js, read-only, at its own size (the frame scrolls sideways where
 * the page is narrower). Loaded with xterm only when a recording is played. Long pauses are cut
 * to 2 s; play, pause, start over, speed, and "show all" (everything at once, to read or select).
 */

const SPEEDS = [1, 2, 4, 8] as const;
type PlayState = "playing" | "paused" | "finished";
const STATE_TEXT: Record<PlayState, string> = { playing: "Playing…", paused: "Paused.", finished: "Finished." };

export function CastPlayer({ cast, label, onClose }: { cast: Cast; label: string; onClose: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const next = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [state, setState] = useState<PlayState>("playing");
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(1);
  const speedRef = useRef(speed);
  speedRef.current = speed;

  function apply(i: number) {
    const t = term.current!;
    const e = cast.events[i]!;
    if (e.code === "o") t.write(e.data);
    else if (e.code === "r") {
      const size = parseResize(e.data);
      if (size) t.resize(size.cols, size.rows);
    }
  }

  function stop() {
    clearTimeout(timer.current);
    timer.current = undefined;
  }

  /** Plays from `next`: each event after its own (shortened, sped-up) pause. */
  function run() {
    stop();
    const delays = playbackDelays(cast.events, speedRef.current);
    const tick = () => {
      while (next.current < cast.events.length) {
        apply(next.current++);
        const wait = delays[next.current];
        if (wait !== undefined && wait > 4) {
          timer.current = setTimeout(tick, wait);
          return;
        }
      }
      timer.current = undefined;
      setState("finished");
    };
    const first = delays[next.current] ?? 0;
    timer.current = setTimeout(tick, first);
    setState("playing");
  }

  function restart() {
    stop();
    term.current!.reset();
    term.current!.resize(cast.header.width, cast.header.height);
    next.current = 0;
    run();
  }

  function showAll() {
    stop();
    while (next.current < cast.events.length) apply(next.current++);
    setState("finished");
  }

  useEffect(() => {
    const t = new Terminal({
      cols: cast.header.width,
      rows: cast.header.height,
      disableStdin: true,
      cursorBlink: false,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: terminalTheme(),
      minimumContrastRatio: 4.5,
    });
    t.open(host.current!);
    t.textarea?.setAttribute("aria-label", `${label} (read only)`);
    term.current = t;
    const stopWatching = watchColorScheme(() => (t.options.theme = terminalTheme()));
    run();
    return () => {
      stop();
      stopWatching();
      t.dispose();
    };
  }, []);

  // A new speed applies from the next event on.
  useEffect(() => {
    if (state === "playing") run();
  }, [speed]);

  return (
    <div class="stack cast-player" role="group" aria-label={label}>
      <div class="terminal-bar">
        <p class="terminal-state" role="status">
          {STATE_TEXT[state]} <span class="muted">({Math.round(cast.duration)} s recorded, pauses over 2 s shortened)</span>
        </p>
        {state === "playing" ? (
          <button
            type="button"
            onClick={() => {
              stop();
              setState("paused");
            }}
          >
            Pause
          </button>
        ) : state === "paused" ? (
          <button type="button" onClick={run}>
            Play
          </button>
        ) : null}
        <button type="button" onClick={restart}>
          Start over
        </button>
        {state !== "finished" && (
          <button type="button" onClick={showAll}>
            Show all
          </button>
        )}
        <div class="field speed-field">
          <label for="cast-speed">Speed</label>
          <select id="cast-speed" value={String(speed)} onChange={(e) => setSpeed(Number(e.currentTarget.value) as (typeof SPEEDS)[number])}>
            {SPEEDS.map((s) => (
              <option key={s} value={String(s)}>
                {s}×
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={onClose}>
          Close player
        </button>
      </div>
      {/* Focusable so the keyboard can scroll a recording wider than the screen. */}
      <div class="terminal-frame cast-frame" tabIndex={0} role="region" aria-label={`${label}, output`}>
        <div ref={host} />
      </div>
    </div>
  );
}
