import type { FieldIssue } from "@anchorage/common";

/** An error response (`{error:{code,message,fields?,methods?}}`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
    /** With E-AUTH-STEP-UP: how the account can prove itself again. */
    readonly methods: string[] = [],
  ) {
    super(message);
  }
}
