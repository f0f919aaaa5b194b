import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { createHash } from "node:crypto";
import type { AgentConfig } from "@anchorage/common/agent-config";
import { FILE_MAX_BYTES } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { confineToRoots } from "../root-paths.ts";

export type ReadAnswer = { result: { path: string; size: number; mtime: string; mode: number; sha256: string }; body: Uint8Array };

/**
 * One file's bytes, whole, if it is a regular file under the roots and no larger than `maxBytes`
 * (a larger one is refused with E-PAYLOAD-TOO-LARGE, never cut short silently).
 */
export async function readWholeFile(path: string, config: AgentConfig, maxBytes = FILE_MAX_BYTES): Promise<ReadAnswer> {
  const { real, exists } = await confineToRoots(path, config);
  if (!exists) throw new RpcError("E-NOT-FOUND", `${path}: no such file`);
  // The real path has no links left; O_NOFOLLOW refuses one swapped in since it was resolved.
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ELOOP") throw new RpcError("E-CONFLICT", `${path} changed while it was being read`);
    throw e;
  });
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new RpcError("E-VALIDATION", `${path} is not a regular file`);
    if (st.size > maxBytes) throw tooLarge(path, `${st.size} bytes`, maxBytes);
    // Read one byte past the limit: a file that grew since stat is refused too.
    const buf = new Uint8Array(maxBytes + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > maxBytes) throw tooLarge(path, `over ${maxBytes} bytes (it grew while being read)`, maxBytes);
    }
    const body = buf.subarray(0, n);
    return {
      result: { path, size: n, mtime: st.mtime.toISOString(), mode: st.mode & 0o7777, sha256: createHash("sha256").update(body).digest("hex") },
      body,
    };
  } finally {
    await handle.close();
  }
}

function tooLarge(path: string, size: string, max: number): RpcError {
  return new RpcError("E-PAYLOAD-TOO-LARGE", `${path} is ${size}; a read returns at most ${max} bytes`);
}
