/**
 * The terminal tabs of an instance that were open when its page was left, kept in this browser
 * tab's sessionStorage (a reload or coming back to the page finds them; another browser tab does
 * not share them). Only session ids and labels: never a byte of output. The server decides whether
 * a session can still be attached (it keeps a detached shell for a grace period).
 */
export interface KeptTab {
  key: number;
  label: string;
  session: string;
}

/** What another version of the page (or a hand) left there is checked, not trusted. */
const isKeptTab = (t: unknown): t is KeptTab => {
  const o = t as Partial<KeptTab> | null;
  return (
    typeof o === "object" && o !== null &&
    Number.isInteger(o.key) && o.key! > 0 &&
    typeof o.label === "string" && o.label.length <= 100 &&
    typeof o.session === "string" && o.session.length > 0 && o.session.length <= 200
  );
};

const storageKey = (instanceId: string) => `anchorage.terminal-tabs.${instanceId}`;

export function keptTabs(instanceId: string): KeptTab[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(storageKey(instanceId)) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter(isKeptTab).slice(0, 50) : [];
  } catch {
    return [];
  }
}

export function keepTabs(instanceId: string, tabs: KeptTab[]): void {
  try {
    if (tabs.length) sessionStorage.setItem(storageKey(instanceId), JSON.stringify(tabs));
    else sessionStorage.removeItem(storageKey(instanceId));
  } catch {
    // Storage full or refused: the tabs are simply not restored.
  }
}
