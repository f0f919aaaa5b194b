import type { Instance, User } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { ApiError, listInstances } from "../api.ts";
import { ApiTokensSection } from "./api-tokens-section.tsx";
import type { ScopeContext } from "./scope-drafts.ts";
import { ServiceAccountsSection } from "./service-accounts-section.tsx";

/**
 * API tokens and service accounts. The instances the person sees are fetched once, so a
 * scope can name one of them; without them a scope can still cover all instances.
 */
export function TokensScreens({ user, onExpired }: { user: User; onExpired: () => void }) {
  const [instances, setInstances] = useState<Instance[]>([]);
  const [instancesNote, setInstancesNote] = useState<string | undefined>(undefined);

  useEffect(() => {
    listInstances().then(setInstances, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) return onExpired();
      setInstancesNote("Your instances could not be loaded, so only “all” can be picked here; an instance can still be named under Advanced.");
    });
  }, []);

  const ctx: ScopeContext = { userId: user.id, instances };
  return (
    <>
      <ApiTokensSection ctx={ctx} instancesNote={instancesNote} onExpired={onExpired} />
      <ServiceAccountsSection ctx={ctx} instancesNote={instancesNote} onExpired={onExpired} />
    </>
  );
}
