import { errorStatus, type ErrorBody, type ErrorCode, type FieldIssue } from "@anchorage/common";

/**
 * The one error type the Worker throws. `onError` turns it into the JSON shape
 * of DESIGN.md; `headers` carries what a status needs (Retry-After for 429), `methods` the ways
 * to step up that an E-AUTH-STEP-UP offers.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { fields?: FieldIssue[]; headers?: Record<string, string>; methods?: string[] } = {},
  ) {
    super(message);
    this.name = "AppError";
    this.status = errorStatus[code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.options.fields ? { fields: this.options.fields } : {}), ...(this.options.methods ? { methods: this.options.methods } : {}) } };
  }

  toResponse(): Response {
    return Response.json(this.toBody(), { status: this.status, headers: this.options.headers });
  }
}

export const unauthenticated = (message = "authentication required") => new AppError("E-AUTH-UNAUTH", message);
export const forbidden = (message = "not allowed") => new AppError("E-AUTH-FORBID", message);
export const notFound = (what = "resource") => new AppError("E-NOT-FOUND", `${what} not found`);
