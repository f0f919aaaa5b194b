/**
 * Reading an asciicast v2 recording (https://docs.asciinema.org/manual/asciicast/v2/): a JSON
 * header line, then one `[time, code, data]` array per line. The recorder writes output ("o")
 * and resizes ("r", data "COLSxROWS"); anything else is kept and skipped by the player.
 */

export interface CastHeader {
  width: number;
  height: number;
}

export interface CastEvent {
  /** Seconds since the start. */
  time: number;
  code: string;
  data: string;
}

export interface Cast {
  header: CastHeader;
  events: CastEvent[];
  /** Seconds from the start to the last event. */
  duration: number;
}

/** Parses a recording; throws an Error that says which line is wrong. */
export function parseCast(text: string): Cast {
  const lines = text.split("\n");
  let header: unknown;
  try {
    header = JSON.parse(lines[0] ?? "");
  } catch {
    throw new Error("line 1: expected the asciicast header (a JSON object)");
  }
  const h = header as { version?: unknown; width?: unknown; height?: unknown } | null;
  if (!h || typeof h !== "object" || h.version !== 2) throw new Error("line 1: not an asciicast v2 recording");
  if (!isSize(h.width) || !isSize(h.height)) throw new Error("line 1: width and height must be positive whole numbers");

  const events: CastEvent[] = [];
  let last = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1}: not JSON`);
    }
    if (!Array.isArray(ev) || ev.length < 3 || typeof ev[0] !== "number" || !Number.isFinite(ev[0]) || typeof ev[1] !== "string" || typeof ev[2] !== "string") {
      throw new Error(`line ${i + 1}: expected [time, code, data]`);
    }
    // Times only go forward; a recording stitched from segments may repeat one.
    const time = Math.max(last, ev[0]);
    last = time;
    events.push({ time, code: ev[1], data: ev[2] });
  }
  return { header: { width: h.width, height: h.height }, events, duration: last };
}

const isSize = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0 && v <= 10_000;

/** "132x43" → { cols: 132, rows: 43 }; null for anything else. */
export function parseResize(data: string): { cols: number; rows: number } | null {
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(data);
  if (!m) return null;
  const cols = Number(m[1]);
  const rows = Number(m[2]);
  return cols > 0 && rows > 0 ? { cols, rows } : null;
}

/**
 * How long to wait before each event, in milliseconds, at `speed`, with pauses longer than
 * `maxIdle` seconds cut to it (as asciinema's `idle_time_limit` does): a shell left open over
 * lunch replays in seconds.
 */
export function playbackDelays(events: readonly CastEvent[], speed = 1, maxIdle = 2): number[] {
  const out: number[] = [];
  let prev = 0;
  for (const e of events) {
    const gap = Math.min(Math.max(0, e.time - prev), maxIdle);
    out.push((gap * 1000) / speed);
    prev = e.time;
  }
  return out;
}
