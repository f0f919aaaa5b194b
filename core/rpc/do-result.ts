import type { ErrorCode } from "@anchorage/common";

/**
 * What a Durable Object's RPC answers for work that can be refused: the value, or the error code
 * and message the Worker turns into its JSON error. A stub call never throws for a refusal, so the
 * Worker decides the status, not the object.
 */
export type DoResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };
