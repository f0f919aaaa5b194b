import type { ErrorCode } from "@anchorage/common";
import type { DoResult } from "../../core/rpc/do-result.ts";

export const fail = (code: ErrorCode, message: string): DoResult<never> => ({ ok: false, code, message });

/** Codes an agent may answer with as they are (the caller's input was at fault); anything else is the agent's failure. */
export const PASSED_ON: ReadonlySet<string> = new Set(["E-VALIDATION", "E-NOT-FOUND", "E-CONFLICT", "E-PRECONDITION", "E-AUTH-FORBID", "E-TIMEOUT", "E-PAYLOAD-TOO-LARGE", "E-CONFIG"]);

/** An agent's error answer as the object passes it on. */
export const agentFailure = (e: { code: string; message: string }): DoResult<never> =>
  PASSED_ON.has(e.code) ? fail(e.code as ErrorCode, e.message) : fail("E-INTERNAL", `${e.code}: ${e.message}`);

export const offline = () => fail("E-INSTANCE-OFFLINE", "the instance is offline");
