/**
 * `npm run admin:create [-- --remote]`: creates the first admin in the local (default)
 * or the deployed D1 database, from ADMIN_EMAIL / ADMIN_PASSWORD, or with a generated
 * password printed once. Does nothing if an admin exists.
 */
import { bootstrapAdmin } from "./lib/bootstrap-admin.ts";

const remote = process.argv.includes("--remote");
const result = await bootstrapAdmin({ remote, persistTo: process.env.ANCHORAGE_STATE_DIR }, { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD });
if (!result.created) console.log(result.reason);
else console.log(`created admin ${result.email}${result.generatedPassword ? ` with password ${result.generatedPassword} (shown once)` : ""}`);
