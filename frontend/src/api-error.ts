import type { FieldIssue } from "@anchorage/common";

/** An error response (`{error:{code,message,fields?}}`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message);
  }
}
