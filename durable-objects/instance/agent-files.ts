import { FILE_MAX_BYTES, scanResultSchema, type ErrorCode, type FileCallMethod, type FileCallParams, type ScanResult } from "@anchorage/common";
import type { DoResult } from "../../core/rpc/do-result.ts";
import { callAgent } from "./agent-call.ts";
import { agentFailure, fail } from "./agent-failure.ts";
import type { AgentStreams } from "./agent-streams.ts";

/** A first scan hashes every file: big trees take minutes. Other file calls are quick. */
const SCAN_TIMEOUT_MS = 10 * 60_000;
const FILE_CALL_TIMEOUT_MS = 60_000;
/** A scan's JSON: about 250 bytes a file, up to MAX_SCAN_FILES files. */
const MAX_SCAN_ANSWER_BYTES = 64 * 1024 * 1024;

/** The whole-tree calls: a scan or a chunk list reads whole trees or files; an assembly writes a whole file. */
const WHOLE_TREE: ReadonlySet<FileCallMethod> = new Set(["files.scan", "files.chunks", "files.assemble", "files.chunks.many", "files.assemble.many"]);

/** File calls on the agent (folders, browse, read, write, scan), each over a stream of its own: answers may be larger than a control message. */
export class AgentFiles {
  constructor(private readonly streams: AgentStreams) {}

  async call(method: FileCallMethod, params: unknown, body?: Uint8Array): Promise<DoResult<{ result: unknown; body: Uint8Array }>> {
    const scan = WHOLE_TREE.has(method);
    const r = await callAgent(this.streams, method, params, {
      body,
      maxAnswerBytes: scan ? MAX_SCAN_ANSWER_BYTES : FILE_MAX_BYTES + 64 * 1024,
      timeoutMs: scan ? SCAN_TIMEOUT_MS : FILE_CALL_TIMEOUT_MS,
    });
    if (r.ok) return { ok: true, value: { result: r.result, body: r.body } };
    return r.from === "agent" ? agentFailure(r) : fail(r.code as ErrorCode, r.message);
  }

  /** Scans a folder on this instance (every file with its hashes), checked against the contract. */
  async scan(params: FileCallParams<"files.scan">): Promise<DoResult<ScanResult>> {
    const r = await this.call("files.scan", params);
    if (!r.ok) return r;
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(r.value.body));
    } catch {
      json = undefined;
    }
    const parsed = scanResultSchema.safeParse(json);
    return parsed.success ? { ok: true, value: parsed.data } : fail("E-INTERNAL", "the agent answered files.scan with a malformed scan");
  }
}
