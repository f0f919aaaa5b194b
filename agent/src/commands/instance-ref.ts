import { getJson } from "../server-api.ts";

/**
 * Instance ids for ids and names as GET /api/cloud/instances lists them to the caller; `self`
 * (this machine's own id) for a ref `isSelf` says is local. A name two instances share is refused.
 */
export async function resolveInstances(refs: string[], base: string, auth: Record<string, string>, self?: { id: string; isSelf: (ref: string) => boolean }): Promise<string[]> {
  const { instances } = await getJson<{ instances: { id: string; name: string }[] }>(base, "/api/cloud/instances", auth);
  return refs.map((ref) => {
    if (self?.isSelf(ref)) return self.id;
    if (instances.some((i) => i.id === ref)) return ref;
    const named = instances.filter((i) => i.name === ref);
    if (named.length === 1) return named[0]!.id;
    if (named.length > 1) throw new Error(`${named.length} instances are named "${ref}" (${named.map((i) => i.id).join(", ")}): use the id`);
    throw new Error(`no instance "${ref}" that you may see (an id or a name from GET /api/cloud/instances)`);
  });
}
