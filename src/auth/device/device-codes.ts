import { and, eq, gt, isNull, isNotNull } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { deviceCodes, type DeviceCodeRow } from "../../../core/db/schema.ts";
import { nowIso, randomToken, sha256Hex } from "../../../core/ids.ts";

export const DEVICE_CODE_TTL_SECONDS = 300; // DESIGN.md storage map: device codes live 5 minutes
export const POLL_INTERVAL_SECONDS = 5; // RFC 8628 §3.2 default

const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"; // RFC 8628 §6.1: 20 consonants, 20^8 ≈ 2^34.6

function newUserCode(): string {
  // Rejection sampling keeps every letter equally likely (256 is not a multiple of 20).
  const out: string[] = [];
  while (out.length < 8) {
    for (const b of crypto.getRandomValues(new Uint8Array(16))) {
      if (b < 240 && out.length < 8) out.push(USER_CODE_ALPHABET[b % 20]!);
    }
  }
  return `${out.slice(0, 4).join("")}-${out.slice(4).join("")}`;
}

export async function createDeviceCode(db: Db, input: { clientId: string; scope: string }, now = Date.now()) {
  const deviceCode = "dev_" + randomToken(32);
  for (let attempt = 0; ; attempt++) {
    const userCode = newUserCode();
    try {
      await db.insert(deviceCodes).values({
        deviceCodeHash: await sha256Hex(deviceCode),
        userCode,
        clientId: input.clientId,
        scope: input.scope,
        createdAt: nowIso(now),
        expiresAt: nowIso(now + DEVICE_CODE_TTL_SECONDS * 1000),
        intervalSeconds: POLL_INTERVAL_SECONDS,
      });
      return { deviceCode, userCode };
    } catch (e) {
      if (attempt >= 3) throw e; // a user-code collision, four times in a row: something else is wrong
    }
  }
}

export async function findByDeviceCode(db: Db, deviceCode: string): Promise<DeviceCodeRow | undefined> {
  return db.select().from(deviceCodes).where(eq(deviceCodes.deviceCodeHash, await sha256Hex(deviceCode))).get();
}

/** A request still waiting for a person's decision, by the code they typed. */
export async function findPendingByUserCode(db: Db, userCode: string, now = Date.now()) {
  return db
    .select()
    .from(deviceCodes)
    .where(and(eq(deviceCodes.userCode, userCode), isNull(deviceCodes.decidedAt), gt(deviceCodes.expiresAt, nowIso(now))))
    .get();
}

/** Records the decision once: a second approval of the same code finds nothing to update. */
export async function decide(db: Db, userCode: string, userId: string, approve: boolean, now = Date.now()) {
  const [row] = await db
    .update(deviceCodes)
    .set({ approvedBy: userId, denied: !approve, decidedAt: nowIso(now) })
    .where(and(eq(deviceCodes.userCode, userCode), isNull(deviceCodes.decidedAt), gt(deviceCodes.expiresAt, nowIso(now))))
    .returning();
  return row;
}

export async function notePoll(db: Db, row: DeviceCodeRow, slowDown: boolean, now = Date.now()) {
  await db
    .update(deviceCodes)
    .set({ lastPolledAt: nowIso(now), ...(slowDown ? { intervalSeconds: row.intervalSeconds + 5 } : {}) })
    .where(eq(deviceCodes.deviceCodeHash, row.deviceCodeHash));
}

/** Single use: the approved request is consumed as it is exchanged for a session. */
export async function consumeApproved(db: Db, row: DeviceCodeRow, now = Date.now()): Promise<string | null> {
  const [done] = await db
    .update(deviceCodes)
    .set({ consumedAt: nowIso(now) })
    .where(and(eq(deviceCodes.deviceCodeHash, row.deviceCodeHash), isNull(deviceCodes.consumedAt), isNotNull(deviceCodes.approvedBy), eq(deviceCodes.denied, false)))
    .returning({ userId: deviceCodes.approvedBy });
  return done?.userId ?? null;
}
