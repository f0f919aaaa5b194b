import { z } from "zod";

/**
 * Every error Anchorage returns, with its HTTP status. The Worker, the Durable
 * Objects, the agent and the dashboard all read codes from here.
 */
export const errorStatus = {
  "E-AUTH-UNAUTH": 401,
  "E-AUTH-FORBID": 403,
  "E-AUTH-STEP-UP": 401, // signed in, but this action needs a fresh proof of identity first (POST /auth/step-up)
  "E-VALIDATION": 400,
  "E-NOT-FOUND": 404,
  "E-METHOD-NOT-ALLOWED": 405,
  "E-CONFLICT": 409,
  "E-PRECONDITION": 412, // If-Match / If-None-Match did not hold: someone else changed it first
  "E-PAYLOAD-TOO-LARGE": 413,
  "E-UNSUPPORTED-MEDIA": 415,
  "E-RATE-LIMIT": 429,
  "E-INTERNAL": 500,
  "E-NOT-IMPLEMENTED": 501,
  "E-INSTANCE-OFFLINE": 503,
  "E-PROXY-UPSTREAM": 502, // the local app behind a proxy refused or failed
  "E-PROXY-TIMEOUT": 504, // the local app did not answer in time
  "E-CONFIG": 500,
  "E-TIMEOUT": 504, // an operation on the instance (git, say) ran past its time limit
  "E-QUOTA": 507, // a user's stored data would exceed their quota (RFC 4918's Insufficient Storage)
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorCodeSchema = z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]);

/** One problem with one field of the input, e.g. `{ path: "email", message: "Invalid email" }`. */
export const fieldIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof fieldIssueSchema>;

/** The JSON shape of every error response (DESIGN.md, Contracts). */
export const errorBodySchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    fields: z.array(fieldIssueSchema).optional(),
    /** With E-AUTH-STEP-UP: how this account can prove itself again ("password", "totp", "passkey"; empty for an API token). */
    methods: z.array(z.string()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
