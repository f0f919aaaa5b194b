import { useState } from "preact/hooks";
import { ApiError } from "../api.ts";

/**
 * Runs one git change at a time (stage, commit, switch…): while it runs, `busy` names it so
 * other buttons wait; its error or confirmation is kept to show; afterwards `version` moves on,
 * which makes every part of the panel fetch what it shows again.
 */
export type Act = (label: string, call: () => Promise<string | null>) => Promise<boolean>;

export function useGitAction(onExpired: () => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<{ message: string; attempt: number } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  const act: Act = async (label, call) => {
    setBusy(label);
    setError(null);
    setNotice(null);
    try {
      setNotice(await call());
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onExpired();
      // `attempt` remounts the alert, so the same message twice is announced twice.
      else setError((prev) => ({ message: e instanceof Error ? e.message : "Something went wrong.", attempt: (prev?.attempt ?? 0) + 1 }));
      return false;
    } finally {
      setBusy(null);
      setVersion((v) => v + 1);
    }
  };

  /** Fetch everything again (after changes made elsewhere, in a terminal for instance). */
  const refresh = () => {
    setError(null);
    setNotice(null);
    setVersion((v) => v + 1);
  };

  return { busy, error, notice, version, act, refresh };
}
