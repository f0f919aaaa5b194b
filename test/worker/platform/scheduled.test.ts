import { describe, expect, it } from "vitest";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import worker from "../../../src/index.ts";
import { testEnv } from "../helpers.ts";
import { openDb } from "../../../core/db/client.ts";
import { authChallenges } from "../../../core/db/schema.ts";
import { challengeKeyHash, createChallenge } from "../../../src/auth/challenges/challenge-store.ts";

describe("the hourly housekeeping", () => {
  it("deletes sign-in challenges a day past their expiry and keeps the rest", async () => {
    const db = openDb(testEnv.DB);
    const old = await createChallenge(db, "magic-link", { data: {}, ttlSeconds: 600 }, Date.now() - 2 * 86_400_000);
    const fresh = await createChallenge(db, "magic-link", { data: {}, ttlSeconds: 600 });
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), testEnv, ctx);
    await waitOnExecutionContext(ctx);
    const exists = async (key: string) => (await db.select().from(authChallenges).where(eq(authChallenges.keyHash, await challengeKeyHash("magic-link", key))).get()) !== undefined;
    expect(await exists(old.key)).toBe(false);
    expect(await exists(fresh.key)).toBe(true);
  });
});
