import { existsSync } from "node:fs";
import { homePaths, readCredential } from "../home.ts";
import { loadConfig } from "../config-file.ts";
import { postJson, ServerError } from "../server-api.ts";

/** `anchorage status`: what this machine is, where it is anchored, and whether the server knows it. */
export async function status(opts: { home?: string }): Promise<number> {
  const paths = homePaths(opts.home);
  const credential = await readCredential(paths.credential);
  if (!credential) {
    console.log(`not anchored (no ${paths.credential})`);
    return 1;
  }
  console.log(`instance   ${credential.instance_id}`);
  console.log(`server     ${credential.url}`);
  console.log(`anchored   ${credential.anchored_at}`);
  console.log(`home       ${paths.dir}`);
  if (existsSync(paths.config)) {
    try {
      const config = await loadConfig(paths.config);
      console.log(`name       ${config.name}`);
      console.log(`commands   ${["restart", "update", "git-pull", ...config.commands.map((c) => c.name)].join(", ")}`);
      if (config.proxy) console.log(`proxy      ${config.proxy.slug} → ${config.proxy.target} (${config.proxy.access})`);
    } catch (e) {
      console.log(`config     INVALID: ${(e as Error).message}`);
    }
  }
  try {
    await postJson(credential.url, "/agent/challenge", { instance_id: credential.instance_id });
    console.log("server     reachable, instance registered");
    return 0;
  } catch (e) {
    console.log(`server     ${e instanceof ServerError && e.status === 404 ? "does not know this instance (deleted?)" : (e as Error).message}`);
    return 1;
  }
}
