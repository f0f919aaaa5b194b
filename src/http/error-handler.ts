import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ErrorCode } from "@anchorage/common";
import type { AppEnv } from "./app-env.ts";
import { AppError } from "../../core/app-error.ts";

const HTTP_EXCEPTION_CODES: Partial<Record<number, ErrorCode>> = {
  400: "E-VALIDATION",
  401: "E-AUTH-UNAUTH",
  403: "E-AUTH-FORBID",
  404: "E-NOT-FOUND",
  413: "E-PAYLOAD-TOO-LARGE",
  415: "E-UNSUPPORTED-MEDIA",
};

/**
 * Turns anything thrown into the JSON error shape of DESIGN.md. Unknown errors are
 * logged by name and message only (never the request, which may carry a password)
 * and answered with a generic 500.
 */
export const onError: ErrorHandler<AppEnv> = (err) => {
  if (err instanceof AppError) {
    if (err.code === "E-CONFIG") console.error(err.message);
    return err.toResponse();
  }
  if (err instanceof HTTPException) {
    // Hono's own: malformed JSON (400), a body that is not JSON (415) …
    const code = HTTP_EXCEPTION_CODES[err.status] ?? "E-INTERNAL";
    const message =
      err.status === 400 ? `invalid body: ${err.message || "malformed JSON"}` : err.status === 415 ? "request body must be application/json" : err.message || "request failed";
    return new AppError(code, message).toResponse();
  }
  console.error(`unhandled ${(err as Error)?.name}: ${(err as Error)?.message}`);
  return new AppError("E-INTERNAL", "internal error").toResponse();
};
