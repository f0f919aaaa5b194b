import { useEffect, useId, useRef, useState } from "preact/hooks";
import { useAppData } from "./app-data.tsx";
import { paths } from "./routes.ts";

/**
 * Who is signed in, in the header: a button with their name that opens a small menu with their
 * email, their settings and the way out. Esc or a click elsewhere closes it.
 */
export function UserMenu({ onSignOut, signingOut }: { onSignOut: () => void; signingOut: boolean }) {
  const { user } = useAppData();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const outside = (e: Event) => root.current && !root.current.contains(e.target as Node) && setOpen(false);
    const esc = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    addEventListener("pointerdown", outside);
    addEventListener("keydown", esc);
    return () => {
      removeEventListener("pointerdown", outside);
      removeEventListener("keydown", esc);
    };
  }, [open]);

  return (
    <div class="user-menu" ref={root}>
      <button type="button" ref={button} class="user-button" aria-expanded={open} aria-controls={menuId} onClick={() => setOpen(!open)}>
        <span class="visually-hidden">Account: </span>
        {user.name || user.email}
      </button>
      <div id={menuId} class="user-menu-panel" hidden={!open}>
        <p class="muted">Signed in as {user.email}</p>
        <a href={paths.settings()} onClick={() => setOpen(false)}>
          Your settings
        </a>
        <button type="button" onClick={onSignOut} disabled={signingOut}>
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
      </div>
    </div>
  );
}
