import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";

/** Replaces the address (no history entry): `/` and `/settings` name their first page this way. */
export function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to]);
  return null;
}
