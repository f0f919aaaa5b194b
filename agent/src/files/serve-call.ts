import { FILE_MAX_BYTES } from "@anchorage/common/protocol/files";
import type { StreamEndpoint } from "@anchorage/common/protocol/stream-endpoint";
import type { z } from "zod";
import type { callOpenSchema } from "@anchorage/common/protocol/files";
import type { Logger } from "../agent-log.ts";
import { RpcError } from "../rpc-error.ts";
import type { StreamHandlers } from "../proxy/stream-types.ts";
import { handleFileCall } from "./file-calls.ts";
import type { FileContext } from "./file-context.ts";

/**
 * Serves one call stream (protocol/files.ts): takes the request's bytes until END (a write's
 * content, never more than FILE_MAX_BYTES), runs the call, and answers with one HEAD, the
 * answer's bytes and END. A RESET from the DO cancels a running scan.
 */
export function serveCall(stream: StreamEndpoint, handlers: StreamHandlers, open: z.infer<typeof callOpenSchema>, ctx: FileContext, log: Logger): void {
  const parts: Uint8Array[] = [];
  let received = 0;
  const cancelled = new AbortController();
  handlers.onData = (payload) => {
    received += payload.length;
    if (received > FILE_MAX_BYTES) {
      stream.reset(`a call's request may carry at most ${FILE_MAX_BYTES} bytes`);
      cancelled.abort();
      return;
    }
    parts.push(payload.slice());
    stream.consumed(payload.length);
  };
  handlers.onReset = () => cancelled.abort();
  handlers.onEnd = () => {
    if (cancelled.signal.aborted) return;
    const body = concat(parts, received);
    handleFileCall(open.method, open.params, body, ctx, cancelled.signal).then(
      async ({ result, body: answer }) => {
        await stream.head({ ok: true, result });
        if (answer?.length) await stream.write(answer);
        stream.end();
      },
      async (e: Error) => {
        const error = e instanceof RpcError ? { code: e.code, message: e.message } : { code: codeOf(e as NodeJS.ErrnoException), message: e.message };
        if (error.code === "E-INTERNAL") log.warn(`${open.method} failed: ${e.message}`);
        await stream.head({ ok: false, error: { code: error.code, message: error.message.slice(0, 4000) } });
        stream.end();
      },
    );
  };
}

/** The API's code for a file system error the caller can act on; anything else is the agent's failure. */
function codeOf(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "ENOENT":
    case "ENOTDIR":
      return "E-NOT-FOUND";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "E-AUTH-FORBID";
    case "EISDIR":
      return "E-VALIDATION";
    case "EEXIST":
      return "E-CONFLICT";
    default:
      return "E-INTERNAL";
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
