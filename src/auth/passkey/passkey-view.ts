import type { Passkey } from "@anchorage/common";
import type { PasskeyRow } from "../../../core/db/schema.ts";

/** A passkey as the API shows it: never its public key or counter. */
export function toPasskeyView(row: PasskeyRow): Passkey {
  return {
    id: row.id,
    name: row.name,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
    device_type: row.deviceType,
    backed_up: row.backedUp,
    transports: row.transports ?? [],
  };
}
