/**
 * How `anchorage sync` shows a sync's progress: a bar redrawn in place on a terminal, a plain line
 * otherwise (a log file, CI). Pure: the numbers in, the text out; the clock is the caller's.
 */
export type SyncProgress = {
  files: { done: number; total: number };
  /** Bytes that reached the destination, and all the bytes to send. */
  bytes: { done: number; total: number };
  /** Recent bytes per second, or null before there is a rate to tell. */
  rate: number | null;
};

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 → "1.5 KiB"; whole bytes below 1 KiB. */
export function formatBytes(n: number): string {
  let v = Math.max(0, n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

/** 75 → "1:15"; 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Bytes done out of all, or files when there are no bytes to send (only deletions, empty files). */
function fraction(p: SyncProgress): number {
  if (p.bytes.total > 0) return Math.min(1, p.bytes.done / p.bytes.total);
  return p.files.total > 0 ? Math.min(1, p.files.done / p.files.total) : 1;
}

function eta(p: SyncProgress): string {
  if (p.files.done >= p.files.total && p.files.total > 0) return "ETA 0:00";
  if (!p.rate || p.rate <= 0 || p.bytes.total === 0) return "ETA --:--";
  return `ETA ${formatDuration(Math.max(0, p.bytes.total - p.bytes.done) / p.rate)}`;
}

/** The numbers after the bar: percent, files, bytes, rate and ETA. */
function figures(p: SyncProgress): string {
  const pct = `${Math.floor(fraction(p) * 100)}%`.padStart(4);
  const rate = p.rate === null ? "--/s" : `${formatBytes(p.rate)}/s`;
  return `${pct}  ${p.files.done}/${p.files.total} files  ${formatBytes(Math.min(p.bytes.done, p.bytes.total))}/${formatBytes(p.bytes.total)}  ${rate}  ${eta(p)}`;
}

/**
 * One line for a terminal `columns` wide: `[=====>    ]  45%  12/30 files  …  ETA 0:04`. The
 * bar takes what the figures leave (at least 10 columns; none on a very narrow terminal), and
 * the line never passes `columns - 1`, so redrawing it with `\r` never wraps.
 */
export function renderProgressBar(p: SyncProgress, columns: number): string {
  const text = figures(p);
  const room = columns - 1 - text.length - 3; // "[", "]", a space
  if (room < 10) return text.slice(0, Math.max(0, columns - 1));
  const width = Math.min(room, 40);
  const filled = Math.floor(fraction(p) * width);
  const bar = filled >= width ? "=".repeat(width) : `${"=".repeat(filled)}>${" ".repeat(width - filled - 1)}`;
  return `[${bar}] ${text}`;
}

/** The same figures as a plain line for a log: `sync: 45%  12/30 files  …`. */
export function renderProgressLine(p: SyncProgress): string {
  return `sync: ${figures(p).trimStart()}`;
}

/**
 * Bytes per second over the last `windowMs` of samples (what the sync did lately, not since it
 * began, so a slow start does not drag the ETA for the whole run). Times are the caller's clock.
 */
export class RateMeter {
  private samples: { at: number; bytes: number }[] = [];
  private readonly windowMs: number;
  constructor(windowMs = 5_000) {
    this.windowMs = windowMs;
  }

  add(at: number, bytes: number): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
  }

  /** Null until two samples at least 200 ms apart. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 200) return null;
    return Math.max(0, (last.bytes - first.bytes) / ((last.at - first.at) / 1000));
  }
}
