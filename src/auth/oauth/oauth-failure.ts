import { OAUTH_FAILURES, type ErrorCode, type OAuthFailureReason } from "@anchorage/common";
import { AppError } from "../../../core/app-error.ts";

/**
 * An AppError of the browser's OAuth round trip that also names its reason, so the callback can
 * send the person back to the dashboard with `?oauth_error=<reason>` (a message the dashboard
 * holds) instead of leaving them on a JSON error. Anywhere else it is an ordinary AppError.
 */
export class OAuthFailure extends AppError {
  constructor(
    readonly reason: OAuthFailureReason,
    code: ErrorCode,
    /** What happened, for the log; never shown to the browser, never a secret. */
    readonly detail?: string,
  ) {
    super(code, OAUTH_FAILURES[reason]);
  }
}

/** The provider failed, or answered something we cannot trust: logged by name and message only. */
export function providerFailure(what: string, cause?: unknown): OAuthFailure {
  const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : cause === undefined ? "" : String(cause);
  return new OAuthFailure("provider", "E-AUTH-UNAUTH", why ? `${what} (${why})` : what);
}
