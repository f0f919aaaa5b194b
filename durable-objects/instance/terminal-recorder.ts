/**
 * Records a terminal session in the asciicast v2 format (one JSON header line, then one
 * `[seconds, "o"|"r"|"m", data]` line per event) to R2, in numbered segments under
 * `recordings/<instance>/<session>/`, so what has been flushed survives an evicted object and
 * a download is those segments in order. Output only: keystrokes are not recorded, since
 * they include passwords typed at prompts (the output shows what a prompt echoes, no more).
 */

/** Per session, past this the recording stops with a marker (the shell goes on). */
export const MAX_RECORDING_BYTES = 64 * 1024 * 1024;
/** A segment is written once this much is buffered, or after FLUSH_MS, whichever comes first. */
const SEGMENT_BYTES = 256 * 1024;
const FLUSH_MS = 2_000;

/** What a recording needs to carry on after the object restarts (kept in DO storage). */
export type RecordingState = { startedMs: number; seq: number; recordedOffset: number; bytes: number; truncated: boolean };

/** The segments' place and order are the Worker's too: it reads a recording back (core/terminal/recordings.ts). */
export { recordingPrefix } from "../../core/terminal/recordings.ts";
const segmentKey = (prefix: string, seq: number) => prefix + String(seq).padStart(8, "0");

export class TerminalRecorder {
  readonly state: RecordingState;
  private readonly bucket: R2Bucket;
  private readonly prefix: string;
  private readonly persist: (s: RecordingState) => void;
  private readonly background: (p: Promise<unknown>) => void;
  private readonly decoder = new TextDecoder();
  private lines: string[] = [];
  private buffered = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(o: { bucket: R2Bucket; prefix: string; state: RecordingState; persist: (s: RecordingState) => void; background: (p: Promise<unknown>) => void }) {
    this.bucket = o.bucket;
    this.prefix = o.prefix;
    this.state = o.state;
    this.persist = o.persist;
    this.background = o.background;
  }

  /** The header line, for a session's first segment only. */
  begin(header: { cols: number; rows: number; shell: string; title: string }) {
    if (this.state.seq > 0 || this.lines.length) return;
    this.push(JSON.stringify({ version: 2, width: header.cols, height: header.rows, timestamp: Math.floor(this.state.startedMs / 1000), env: { TERM: "xterm-256color", SHELL: header.shell }, title: header.title }));
  }

  /** Output at byte `offset` of the session; what was recorded already (a replay) is skipped. */
  output(offset: number, bytes: Uint8Array) {
    const skip = this.state.recordedOffset - offset;
    if (skip >= bytes.length) return;
    const fresh = skip > 0 ? bytes.subarray(skip) : bytes;
    this.state.recordedOffset = offset + bytes.length;
    const text = this.decoder.decode(fresh, { stream: true });
    if (text) this.event("o", text);
  }

  resize(cols: number, rows: number) {
    this.event("r", `${cols}x${rows}`);
  }

  marker(label: string) {
    this.event("m", label);
  }

  /** Writes what is buffered as the next segment. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.lines.length) return;
    const body = this.lines.join("");
    this.lines = [];
    this.buffered = 0;
    const key = segmentKey(this.prefix, this.state.seq++);
    this.state.bytes += body.length;
    this.persist(this.state);
    await this.bucket.put(key, body, { httpMetadata: { contentType: "application/x-asciicast" } });
  }

  private event(kind: "o" | "r" | "m", data: string) {
    if (this.state.truncated) return;
    const seconds = Math.max(0, (Date.now() - this.state.startedMs) / 1000);
    if (this.state.bytes + this.buffered + data.length > MAX_RECORDING_BYTES) {
      this.state.truncated = true;
      this.push(JSON.stringify([Number(seconds.toFixed(6)), "m", "recording stopped: size limit reached"]));
    } else this.push(JSON.stringify([Number(seconds.toFixed(6)), kind, data]));
  }

  private push(line: string) {
    this.lines.push(line + "\n");
    this.buffered += line.length + 1;
    if (this.buffered >= SEGMENT_BYTES) this.background(this.flush());
    else this.timer ??= setTimeout(() => this.background(this.flush()), FLUSH_MS);
  }
}

/** Removes a session's recording (its instance was deleted). */
export async function deleteRecordings(bucket: R2Bucket, prefix: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}
