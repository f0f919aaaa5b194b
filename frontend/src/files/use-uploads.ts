import { useRef, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { formatBytes } from "../format.ts";
import { FILE_MAX_BYTES, readFile, writeFile } from "./files-api.ts";
import { joinPath, nameProblem } from "./file-paths.ts";

export type UploadState = "waiting" | "sending" | "uploaded" | "replaced" | "exists" | "refused" | "failed" | "skipped";

export interface Upload {
  id: number;
  name: string;
  /** The folder it goes into (the one shown when it was dropped). */
  folder: string;
  size: number;
  sent: number;
  state: UploadState;
  /** Why it was refused or failed; where a replaced file's previous version is. */
  message?: string;
}

/** One file dropped or picked: a File, or a folder (which is not uploaded). */
export interface Picked {
  file: File;
  isFolder: boolean;
}

export const LIMIT_WORDS = `1 MiB (${FILE_MAX_BYTES.toLocaleString("en")} bytes)`;

/**
 * Uploads into a folder, one file at a time, each created only if absent (If-None-Match: *): a
 * file already there waits for the person to say Replace (then written over exactly the version
 * read, If-Match) or Keep. Files over the 1 MiB limit are refused here, before any byte is sent.
 */
export function useUploads(instanceId: string, onWritten: (folder: string, name: string) => void, onExpired: () => void) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const files = useRef(new Map<number, File>());
  const queue = useRef<{ id: number; replace: boolean }[]>([]);
  const running = useRef(false);
  const nextId = useRef(1);
  // The queue outlives the render that started it: it calls the latest callbacks.
  const callbacks = useRef({ onWritten, onExpired });
  callbacks.current = { onWritten, onExpired };
  // The queue runs across renders: it reads the rows from here, not from one render's state.
  const uploadsNow = useRef<Upload[]>([]);
  uploadsNow.current = uploads;

  const update = (id: number, change: Partial<Upload>) => setUploads((list) => list.map((u) => (u.id === id ? { ...u, ...change } : u)));

  function fail(id: number, e: unknown) {
    if (e instanceof ApiError && e.status === 401) callbacks.current.onExpired();
    update(id, { state: "failed", message: e instanceof Error ? e.message : "something went wrong." });
  }

  async function send(id: number, replace: boolean) {
    const file = files.current.get(id);
    const u = uploadsNow.current.find((x) => x.id === id);
    if (!file || !u) return;
    const path = joinPath(u.folder, u.name);
    update(id, { state: "sending", sent: 0, message: undefined });
    try {
      // Replace exactly the version there now: if it changes meanwhile, the write is refused (412).
      const guard = replace ? { ifMatch: (await readFile(instanceId, path)).sha256 } : ({ createOnly: true } as const);
      const r = await writeFile(instanceId, path, file, guard, (sent) => update(id, { sent }));
      files.current.delete(id);
      update(id, { state: r.created ? "uploaded" : "replaced", sent: file.size, message: r.backup ? `the previous version is kept at ${r.backup}` : undefined });
      callbacks.current.onWritten(u.folder, u.name);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) update(id, { state: "exists", message: replace ? "it changed again on the machine meanwhile" : undefined });
      else if (e instanceof ApiError && e.status === 413) update(id, { state: "refused", message: `larger than the ${LIMIT_WORDS} limit` });
      else fail(id, e);
    }
  }

  async function drain() {
    if (running.current) return;
    running.current = true;
    try {
      for (let next = queue.current.shift(); next; next = queue.current.shift()) {
        await send(next.id, next.replace);
      }
    } finally {
      running.current = false;
    }
  }

  function add(picked: Picked[], folder: string) {
    const added: Upload[] = picked.map(({ file, isFolder }) => {
      const id = nextId.current++;
      const base = { id, name: file.name, folder, size: file.size, sent: 0 };
      const problem = nameProblem(file.name);
      if (isFolder) return { ...base, state: "refused", message: "it is a folder: upload the files in it, or copy it with a sync" };
      if (problem) return { ...base, state: "refused", message: problem };
      if (file.size > FILE_MAX_BYTES) return { ...base, state: "refused", message: `it is ${formatBytes(file.size)} (${file.size.toLocaleString("en")} bytes), over the ${LIMIT_WORDS} limit: copy it with a sync` };
      files.current.set(id, file);
      queue.current.push({ id, replace: false });
      return { ...base, state: "waiting" };
    });
    uploadsNow.current = [...uploadsNow.current, ...added];
    setUploads((list) => [...list, ...added]);
    void drain();
  }

  return {
    uploads,
    add,
    replace(id: number) {
      update(id, { state: "waiting", message: undefined });
      queue.current.push({ id, replace: true });
      void drain();
    },
    keep(id: number) {
      files.current.delete(id);
      update(id, { state: "skipped", message: undefined });
    },
    /** Forgets the finished ones (those waiting for an answer stay). */
    clearFinished() {
      setUploads((list) => list.filter((u) => u.state === "waiting" || u.state === "sending" || u.state === "exists"));
    },
  };
}
