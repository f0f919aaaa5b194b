import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.ts";

/**
 * A list loaded from the API plus actions on its rows: the loading, the row being acted on,
 * the error or confirmation to show, and a 401 sending the person back to sign-in.
 */
export function useListActions<T>(load: () => Promise<T[]>, onExpired: () => void) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  function fail(e: unknown) {
    if (e instanceof ApiError && e.status === 401) return onExpired();
    setError(e instanceof Error ? e.message : "Something went wrong.");
  }

  const loads = useRef(0);
  /** Reads the list (again: after a reconnect, or news of a row it does not hold); only the latest answer counts. */
  function reload() {
    const n = ++loads.current;
    load().then(
      (list) => n === loads.current && (setItems(list), setError(null)),
      (e: unknown) => n === loads.current && fail(e),
    );
  }

  useEffect(reload, []);

  /** Runs one row's action; what it resolves to is shown as the confirmation. */
  async function act(id: string, run: () => Promise<string>) {
    setBusyId(id);
    setError(null);
    setNotice(null);
    try {
      setNotice(await run());
    } catch (e) {
      fail(e);
    } finally {
      setBusyId(null);
    }
  }

  return { items, setItems, error, notice, setNotice, busyId, act, reload };
}
