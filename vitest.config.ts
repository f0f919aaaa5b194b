import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { exportJWK, generateKeyPair } from "jose";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** A fresh ES256 signing key for this test run, as JWT_SIGNING_KEYS expects it. */
async function testSigningKey(kid: string) {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid };
}

export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ENVIRONMENT: "test",
          JWT_SIGNING_KEYS: JSON.stringify([await testSigningKey("test-1")]),
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url))),
        },
      },
    }),
  ],
  test: {
    include: ["test/worker/**/*.test.ts"],
    setupFiles: ["./test/worker/apply-migrations.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
}));
