import { open, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import type { LogLine } from "@anchorage/common/protocol/messages";

export interface LogTailOptions {
  /** Absolute paths: the config's `logs` and the agent's own log file. */
  files: readonly string[];
  /** New complete lines, at most MAX_BATCH at a time, in file order. */
  onLines(lines: LogLine[]): void;
  /** A file that cannot be read (other than missing), or onLines throwing; reported once per distinct message. */
  onError?(err: Error, file?: string): void;
  intervalMs?: number;
  now?: () => Date;
}

/** The `logs` message carries at most 1000 lines (protocol/messages.ts). */
export const MAX_BATCH = 1000;
/** A log line's `line` is at most 8192 characters (protocol/messages.ts); longer lines are cut. */
export const MAX_LINE = 8192;
const MAX_SOURCE = 500;
const READ_CHUNK = 64 * 1024;
/** Bytes read from one file per poll, so a huge burst is spread over several polls. */
const MAX_READ_PER_POLL = 4 * 1024 * 1024;

interface FileState {
  path: string;
  /** null while the file does not exist (or did not when last looked at). */
  ino: number | null;
  position: number;
  decoder: StringDecoder;
  partial: string;
  /** The current line went past MAX_LINE: drop the rest of it up to its newline. */
  discarding: boolean;
  lastError?: string;
}

/**
 * Follows log files by polling (fs.watch misses events on network filesystems and after
 * rotation). Starts at each file's current end, so old content is not replayed; a file that
 * shrinks or is replaced (new inode) is read again from its start; a missing file is read
 * from its start when it appears. Known limit: a file truncated and refilled past the old
 * size within one interval, in place (same inode), is not noticed as truncated.
 */
export class LogTail {
  private readonly options: LogTailOptions;
  private readonly files: FileState[];
  private readonly intervalMs: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private started = false;
  private stopped = false;

  constructor(options: LogTailOptions) {
    this.options = options;
    this.intervalMs = options.intervalMs ?? 500;
    this.now = options.now ?? (() => new Date());
    this.files = [...new Set(options.files)].map((path) => ({
      path,
      ino: null,
      position: 0,
      decoder: new StringDecoder("utf8"),
      partial: "",
      discarding: false,
    }));
  }

  /** Notes where each file ends now, then polls every intervalMs until stop(). */
  async start(): Promise<void> {
    if (this.started) throw new Error("LogTail already started");
    this.started = true;
    for (const file of this.files) {
      try {
        const info = await stat(file.path);
        file.ino = info.ino;
        file.position = info.size;
      } catch (err) {
        if (!isMissing(err)) this.report(err, file);
      }
    }
    this.schedule();
  }

  /** One pass over every file; polls never overlap. Also what the timer runs. */
  poll(): Promise<void> {
    const run = this.queue.then(() => this.pollOnce());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops polling and waits for a pass in progress to finish; no onLines call follows. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.poll()
        .catch((err: unknown) => this.report(err))
        .finally(() => this.schedule());
    }, this.intervalMs);
    // The tail alone must not keep the agent alive.
    this.timer.unref();
  }

  private async pollOnce(): Promise<void> {
    if (this.stopped) return;
    const lines: LogLine[] = [];
    const at = this.now().toISOString();
    for (const file of this.files) {
      const texts: string[] = [];
      try {
        await this.readNew(file, (line) => texts.push(line));
        file.lastError = undefined;
      } catch (err) {
        this.report(err, file);
      }
      const source = file.path.slice(0, MAX_SOURCE);
      for (const line of texts) lines.push({ at, source, line });
    }
    for (let i = 0; i < lines.length && !this.stopped; i += MAX_BATCH) {
      this.options.onLines(lines.slice(i, i + MAX_BATCH));
    }
  }

  private async readNew(file: FileState, emit: (line: string) => void): Promise<void> {
    let info;
    try {
      info = await stat(file.path);
    } catch (err) {
      if (!isMissing(err)) throw err;
      file.ino = null; // gone (rotated away): whatever appears there next is read from its start
      return;
    }

    if (file.ino === null) {
      this.restart(file, emit, info.ino);
    } else if (info.ino !== file.ino || info.size < file.position) {
      this.restart(file, emit, info.ino); // rotated or truncated
    }
    if (info.size <= file.position) return;

    const handle = await open(file.path, "r");
    try {
      const buffer = Buffer.alloc(READ_CHUNK);
      const limit = Math.min(info.size, file.position + MAX_READ_PER_POLL);
      while (file.position < limit) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(READ_CHUNK, limit - file.position), file.position);
        if (bytesRead === 0) break; // truncated since the stat: the next poll sees it
        file.position += bytesRead;
        this.feed(file, file.decoder.write(buffer.subarray(0, bytesRead)), emit);
      }
    } finally {
      await handle.close();
    }
  }

  /** Reads the file from its start from now on; a pending partial line of the old one is kept as a line. */
  private restart(file: FileState, emit: (line: string) => void, ino: number): void {
    const rest = file.partial + file.decoder.end();
    if (rest !== "" && !file.discarding) emit(cleanLine(rest));
    file.ino = ino;
    file.position = 0;
    file.decoder = new StringDecoder("utf8");
    file.partial = "";
    file.discarding = false;
  }

  private feed(file: FileState, text: string, emit: (line: string) => void): void {
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      if (file.discarding) file.discarding = false;
      else emit(cleanLine(file.partial + text.slice(start, nl)));
      file.partial = "";
      start = nl + 1;
    }
    if (file.discarding) return;
    file.partial += text.slice(start);
    if (file.partial.length > MAX_LINE) {
      // Memory stays bounded whatever the file holds (a binary file has no newlines).
      emit(cleanLine(file.partial));
      file.partial = "";
      file.discarding = true;
    }
  }

  private report(err: unknown, file?: FileState): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (file) {
      // Once per distinct problem: the agent's own log may be among the files we tail.
      if (file.lastError === error.message) return;
      file.lastError = error.message;
    }
    if (this.options.onError) this.options.onError(error, file?.path);
    else console.error(`log tail${file ? ` ${file.path}` : ""}: ${error.message}`);
  }
}

function cleanLine(line: string): string {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  return text.length > MAX_LINE ? text.slice(0, MAX_LINE) : text;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
