import type { Instance, User } from "@anchorage/common";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { AuthConfig } from "../api.ts";
import type { Hub } from "../instances/use-events.ts";
import type { InstanceList } from "../instances/use-instance-list.ts";

/**
 * What every signed-in page shares: who is signed in, the one live event socket, the one list of
 * instances, and how to react when the session ends. The shell provides it; pages read it.
 */
export interface AppData {
  user: User;
  onUserChange: (user: User) => void;
  config: AuthConfig | null;
  hub: Hub;
  list: InstanceList;
  /** The session ended (a 401 that a refresh could not mend): back to the sign-in form. */
  onExpired: () => void;
  /** Whether the person has moved between pages since the dashboard loaded (focus follows them). */
  navigated: boolean;
}

export const AppDataContext = createContext<AppData | null>(null);

export function useAppData(): AppData {
  const data = useContext(AppDataContext);
  if (!data) throw new Error("useAppData outside the signed-in shell");
  return data;
}

/** One instance of the list by id: undefined while the list loads, null when it is not there (or not visible). */
export function useInstance(id: string | undefined): Instance | null | undefined {
  const { list } = useAppData();
  if (list.instances === null) return undefined;
  return list.instances.find((i) => i.id === id) ?? null;
}

export const isAdmin = (user: User) => user.roles.includes("admin");
