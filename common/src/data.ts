import { z } from "zod";

/**
 * The per-user data store (`/api/data/{scope}/{key}`). A scope is `public` (anyone reads, the
 * owner writes), `private` (the owner alone) or `mod/<name>` (one module's data, which an API
 * token can be given on its own: `storage.<user>.data.mod/<name>`).
 */
export const DATA_KEY_MAX_LENGTH = 256;
export const DATA_KEY_MAX_SEGMENTS = 16;

// Letters, digits, `.`, `_` and `-` only: nothing to escape in a URL, a LIKE or an R2 key.
const keySegment = /^[A-Za-z0-9._-]{1,64}$/;

/** `settings/theme`: `/`-separated segments, none empty, none `.` or `..`. */
export const dataKeySchema = z
  .string()
  .min(1, "must not be empty")
  .max(DATA_KEY_MAX_LENGTH, `must be at most ${DATA_KEY_MAX_LENGTH} characters`)
  .superRefine((key, ctx) => {
    const segments = key.split("/");
    const problem =
      segments.length > DATA_KEY_MAX_SEGMENTS
        ? `must have at most ${DATA_KEY_MAX_SEGMENTS} segments`
        : segments.some((s) => s === "")
          ? "must not have empty segments (no leading, trailing or double /)"
          : segments.some((s) => s === "." || s === "..")
            ? "must not have . or .. segments"
            : segments.some((s) => !keySegment.test(s))
              ? "segments hold 1 to 64 letters, digits, ., _ or -"
              : null;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A module's name, as in `mod/notes`: one segment, no dots. */
export const dataModuleSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, _ or -");

export type DataScope = "public" | "private" | `mod/${string}`;

export const dataScopeOf = (kind: "public" | "private" | "mod", module?: string): DataScope =>
  kind === "mod" ? `mod/${module}` : kind;

const ownerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a user id")
  .describe("whose data (default: yours); public data is anyone's to read, the rest only through permissions");

/** The query of a value's GET, PUT and DELETE. */
export const dataValueQuerySchema = z.strictObject({ owner: ownerIdSchema.optional() });

/** The query of a listing: keys in order, a page at a time. */
export const dataListQuerySchema = z.strictObject({
  owner: ownerIdSchema.optional(),
  prefix: z
    .string()
    .max(DATA_KEY_MAX_LENGTH)
    .regex(/^[A-Za-z0-9._/-]*$/, "may hold only letters, digits, ., _, - and /")
    .default("")
    .describe("only keys that start with this"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: dataKeySchema.optional().describe("next_cursor of the previous page"),
});

/** A stored value's metadata, as listed and as answered to a write. */
export const dataItemSchema = z.object({
  owner_id: z.string(),
  scope: z.string(),
  key: z.string(),
  content_type: z.string(),
  size: z.number().int(),
  etag: z.string().describe('strong, quoted ("…"): send it back in If-Match'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type DataItem = z.infer<typeof dataItemSchema>;

export const dataListSchema = z.object({
  items: z.array(dataItemSchema),
  next_cursor: z.string().nullable().describe("pass as cursor for the next page; null on the last"),
});
