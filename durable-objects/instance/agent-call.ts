import { callHeadSchema, StreamFlag, type FileCallMethod } from "@anchorage/common";
import { isAgentGone, type AgentStreams } from "./agent-streams.ts";

export type CallOutcome =
  | { ok: true; result: unknown; body: Uint8Array }
  /** `agent`: the agent answered with this error (the DO decides whether to pass it on); `relay`: the DO's own. */
  | { ok: false; from: "agent" | "relay"; code: string; message: string };

type CallOptions = { body?: Uint8Array; maxAnswerBytes: number; timeoutMs: number };

/**
 * One call on a stream of the agent's socket (protocol/files.ts): OPEN with the method and its
 * params, the request's bytes and END; then the agent's HEAD and the answer's bytes until END.
 * Answers larger than `maxAnswerBytes` are refused; a call never outlives `timeoutMs`, and fails
 * at once when the agent goes away.
 */
export function callAgent(streams: AgentStreams, method: FileCallMethod, params: unknown, opts: CallOptions): Promise<CallOutcome> {
  return new Promise<CallOutcome>((resolve) => {
    let head: { result: unknown } | null = null;
    const parts: Uint8Array[] = [];
    let size = 0;
    let settled = false;
    const settle = (o: CallOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const relayError = (code: string, message: string) => settle({ ok: false, from: "relay", code, message });

    const stream = streams.open({
      onData: (payload, flags) => {
        if (settled) return;
        if (!head) {
          const parsed = flags & StreamFlag.HEAD ? safeJson(payload) : undefined;
          const h = callHeadSchema.safeParse(parsed);
          if (!h.success) {
            stream?.reset("malformed call answer");
            return relayError("E-INTERNAL", `the agent answered ${method} with a malformed head`);
          }
          if (!h.data.ok) {
            stream?.reset("done");
            return settle({ ok: false, from: "agent", code: h.data.error.code, message: h.data.error.message });
          }
          head = { result: h.data.result };
          return;
        }
        size += payload.length;
        if (size > opts.maxAnswerBytes) {
          stream?.reset("answer too large");
          return relayError("E-PAYLOAD-TOO-LARGE", `the agent's answer to ${method} is larger than ${opts.maxAnswerBytes} bytes`);
        }
        parts.push(payload.slice());
        stream?.consumed(payload.length);
      },
      onEnd: () => {
        if (!head) return relayError("E-INTERNAL", `the agent ended ${method} without answering`);
        settle({ ok: true, result: head.result, body: concat(parts, size) });
      },
      onReset: (reason) => {
        if (isAgentGone(reason)) relayError("E-INSTANCE-OFFLINE", "the instance went offline");
        else relayError("E-INTERNAL", `the agent dropped ${method}: ${reason}`);
      },
    });
    const timer = setTimeout(() => {
      stream?.reset("timed out");
      relayError("E-TIMEOUT", `the agent did not finish ${method} within ${Math.round(opts.timeoutMs / 1000)} s`);
    }, opts.timeoutMs);
    if (!stream) return relayError("E-INSTANCE-OFFLINE", "the instance is offline");
    stream.open({ kind: "call", method, params });
    void (opts.body?.length ? stream.write(opts.body) : Promise.resolve()).then(() => stream.end());
  });
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
