import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../core/db/client.ts";
import { authChallenges, type AuthChallengeRow } from "../../../core/db/schema.ts";
import { nowIso, randomToken } from "../../../core/ids.ts";
import { challengeKeyHash, consumeChallenge, createChallenge, peekChallenge } from "../challenges/challenge-store.ts";

export const MAGIC_LINK_TTL_SECONDS = 600; // DESIGN.md storage map: magic links live 10 minutes
/** A terminal may still claim its session a minute after the link's last moment (a click at 9:59). */
const STATUS_GRACE_SECONDS = 60;

/** What a link row holds. `status_key_hash` names the waiting terminal's status row (its key is only the terminal's). */
type LinkData = { for: "browser" | "cli"; email: string; status_key_hash?: string };

const CHECK_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"; // as the device flow's user codes: nothing to misread

function newCheckCode(): string {
  const out: string[] = [];
  while (out.length < 4) {
    for (const b of crypto.getRandomValues(new Uint8Array(8))) if (b < 240 && out.length < 4) out.push(CHECK_ALPHABET[b % 20]!);
  }
  return out.join("");
}

// The status row shares the magic-link kind; "status:" keeps its key apart from every link token
// (a token is 43 base64url characters, never containing ":"), so one can never be redeemed as the other.
const statusKey = (requestId: string) => `status:${requestId}`;

/**
 * Records a sign-in link request. The same rows are written whether or not the email has an
 * account (`userId` null then): the work, and so the time, does not tell them apart.
 */
export async function createMagicLinkRequest(db: Db, o: { userId: string | null; email: string; forCli: boolean }, now = Date.now()) {
  let cli: { requestId: string; checkCode: string; statusKeyHash: string } | null = null;
  if (o.forCli) {
    const requestId = randomToken(32);
    await createChallenge(db, "magic-link", { key: statusKey(requestId), data: { state: "pending" }, ttlSeconds: MAGIC_LINK_TTL_SECONDS + STATUS_GRACE_SECONDS }, now);
    cli = { requestId, checkCode: newCheckCode(), statusKeyHash: await challengeKeyHash("magic-link", statusKey(requestId)) };
  }
  const data: LinkData = { for: o.forCli ? "cli" : "browser", email: o.email, ...(cli ? { status_key_hash: cli.statusKeyHash } : {}) };
  const link = await createChallenge(db, "magic-link", { userId: o.userId, data, ttlSeconds: MAGIC_LINK_TTL_SECONDS }, now);
  return { token: link.key, expiresAt: link.expiresAt, requestId: cli?.requestId, checkCode: cli?.checkCode };
}

/** Redeems a link once (two clicks racing: exactly one wins); null when unknown, expired, used or not a link. */
export async function redeemMagicLink(db: Db, token: string, now = Date.now()): Promise<(AuthChallengeRow & { link: LinkData }) | null> {
  const row = await consumeChallenge(db, "magic-link", token, now);
  const link = row?.data as Partial<LinkData> | undefined;
  if (!row || (link?.for !== "browser" && link?.for !== "cli")) return null;
  return { ...row, link: link as LinkData };
}

/** The clicked link approves its terminal's request, once and only while the terminal may still claim it. */
export async function approveCliRequest(db: Db, statusKeyHash: string, userId: string, now = Date.now()): Promise<boolean> {
  const done = await db
    .update(authChallenges)
    .set({ userId, data: { state: "approved" } })
    .where(and(eq(authChallenges.keyHash, statusKeyHash), eq(authChallenges.kind, "magic-link"), isNull(authChallenges.consumedAt), gt(authChallenges.expiresAt, nowIso(now)), sql`json_extract(${authChallenges.data}, '$.state') = 'pending'`))
    .returning({ keyHash: authChallenges.keyHash });
  return done.length > 0;
}

/** The terminal takes its approved session: atomically, so two polls racing get it once between them. */
export async function claimApprovedRequest(db: Db, requestId: string, now = Date.now()): Promise<string | null> {
  const [row] = await db
    .update(authChallenges)
    .set({ consumedAt: nowIso(now) })
    .where(and(eq(authChallenges.keyHash, await challengeKeyHash("magic-link", statusKey(requestId))), eq(authChallenges.kind, "magic-link"), isNull(authChallenges.consumedAt), gt(authChallenges.expiresAt, nowIso(now)), sql`json_extract(${authChallenges.data}, '$.state') = 'approved'`))
    .returning({ userId: authChallenges.userId });
  return row?.userId ?? null;
}

/** Where a terminal's request stands when there is nothing to claim; null for an id nobody was given. */
export async function requestState(db: Db, requestId: string, now = Date.now()): Promise<"pending" | "expired" | "used" | null> {
  const row = await peekChallenge(db, "magic-link", statusKey(requestId));
  if (!row) return null;
  if (row.consumedAt) return "used";
  if (Date.parse(row.expiresAt) <= now) return "expired";
  return "pending";
}
