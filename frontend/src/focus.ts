import { useEffect, useRef } from "preact/hooks";

/**
 * Move keyboard focus to an element (a heading with tabIndex -1) when it appears,
 * so a keyboard or screen reader user is not left on a control that just vanished.
 */
export function useFocusOnMount<T extends HTMLElement>(enabled: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (enabled) ref.current?.focus();
  }, []);
  return ref;
}
