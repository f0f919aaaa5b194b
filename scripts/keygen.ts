/**
 * `npm run keygen`: prints a new JWT_SIGNING_KEYS value (one ES256 private JWK).
 * Rotation: put the new key first and keep the old one for 15 minutes (one access-token
 * lifetime), e.g. `npm run keygen -- --rotate "$OLD"`, then drop the old key.
 */
import { newSigningKeys } from "./lib/dev-vars.ts";

const fresh = JSON.parse(await newSigningKeys()) as unknown[];
const i = process.argv.indexOf("--rotate");
const old = i > 0 ? (JSON.parse(process.argv[i + 1] ?? "[]") as unknown[]) : [];
process.stdout.write(JSON.stringify([...fresh, ...old]) + "\n");
