import { randomBytes } from "node:crypto";
import { hashPassword } from "../../src/auth/password/password-hash.ts";
import { newUserRow } from "../../core/users/users.ts";
import { emailSchema, passwordSchema } from "../../common/src/auth.ts";
import { d1Query, type Target } from "./wrangler.ts";

const sqlString = (v: string | null) => (v === null ? "NULL" : `'${v.replaceAll("'", "''")}'`);

export type BootstrapResult =
  | { created: false; reason: string }
  | { created: true; email: string; generatedPassword?: string };

/**
 * Creates the first admin when the deployment has none: from ADMIN_EMAIL /
 * ADMIN_PASSWORD, or with a generated password that is printed once and stored
 * nowhere but as its hash. An existing admin is never touched.
 */
export async function bootstrapAdmin(t: Target, input: { email?: string; password?: string }): Promise<BootstrapResult> {
  const admins = d1Query<{ email: string }>(t, "SELECT email FROM users WHERE EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = 'admin') LIMIT 1;");
  if (admins.length > 0) return { created: false, reason: `an admin already exists (${admins[0]!.email})` };

  const email = emailSchema.parse(input.email || "admin@anchorage.local");
  const generatedPassword = input.password ? undefined : randomBytes(15).toString("base64url");
  const password = passwordSchema.parse(input.password || generatedPassword);
  const row = newUserRow({ email, name: "Admin", roles: ["user", "admin"], passwordHash: await hashPassword(password) });
  d1Query(
    t,
    `INSERT INTO users (id, email, email_normalized, name, roles, password_hash, disabled_at, created_at, updated_at) VALUES (${[
      row.id, row.email, row.emailNormalized, row.name, JSON.stringify(row.roles), row.passwordHash, null, row.createdAt, row.updatedAt,
    ].map(sqlString).join(", ")});`,
  );
  return { created: true, email: row.email, generatedPassword };
}
