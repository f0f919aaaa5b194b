import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api.ts";

/**
 * Something the panel shows, fetched again whenever `deps` change (the panel's version moves on
 * after every change). What was shown stays until the new answer arrives; an answer to an older
 * request is dropped.
 */
export function useGitQuery<T>(load: () => Promise<T>, deps: unknown[], onExpired: () => void) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);

  function reload() {
    const n = ++seq.current;
    load().then(
      (d) => {
        if (n !== seq.current) return;
        setData(d);
        setError(null);
      },
      (e: unknown) => {
        if (n !== seq.current) return;
        if (e instanceof ApiError && e.status === 401) return onExpired();
        setError(e instanceof Error ? e.message : "Something went wrong.");
      },
    );
  }

  useEffect(reload, deps);
  return { data, setData, error, reload };
}
