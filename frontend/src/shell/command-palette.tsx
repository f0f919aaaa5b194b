import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { isAdmin, useAppData } from "./app-data.tsx";
import { matchItems, paletteItems, type PaletteItem } from "./palette-items.ts";

/**
 * Ctrl+K (⌘K on a Mac): a dialog with one search box that jumps to any page, any instance or
 * one of its tabs, or runs an action. Arrow keys move through the results, Enter goes, Esc closes
 * (and focus returns where it was). The box is a combobox over a listbox (WAI-ARIA APG).
 */
export function CommandPalette({ onClose, onSignOut }: { onClose: () => void; onSignOut: () => void }) {
  const { user, list } = useAppData();
  const { route } = useLocation();
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const listId = useId();
  const items = useMemo(() => paletteItems(list.instances ?? [], isAdmin(user)), [list.instances, user]);
  const results = useMemo(() => matchItems(items, query), [items, query]);
  const current = results[Math.min(active, results.length - 1)];
  const optionId = (item: PaletteItem) => `${listId}-${item.id.replace(/[^A-Za-z0-9_-]/g, "_")}`;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const d = dialog.current;
    d?.showModal();
    input.current?.focus();
    // Closed first: while the modal is open everything outside it is inert and cannot take focus.
    return () => {
      d?.close();
      opener?.focus?.();
    };
  }, []);
  useEffect(() => {
    if (current) document.getElementById(optionId(current))?.scrollIntoView({ block: "nearest" });
  }, [current]);

  function go(item: PaletteItem | undefined) {
    if (!item) return;
    onClose();
    if (item.run === "sign-out") onSignOut();
    else if (item.href) route(item.href);
  }

  function keys(e: KeyboardEvent) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!results.length) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((a) => (Math.min(a, results.length - 1) + step + results.length) % results.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      go(current);
    }
  }

  return (
    // The dialog's own Esc (cancel) closes it; a click on the backdrop does too.
    <dialog ref={dialog} class="palette" aria-label="Command palette" onCancel={(e) => (e.preventDefault(), onClose())} onClick={(e) => e.target === dialog.current && onClose()}>
      <input
        ref={input}
        type="text"
        role="combobox"
        aria-label="Search pages, instances and actions"
        aria-expanded={results.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={current ? optionId(current) : undefined}
        placeholder="Search pages, instances and actions…"
        autocomplete="off"
        spellcheck={false}
        value={query}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={keys}
      />
      <ul id={listId} role="listbox" aria-label="Results" class="palette-results">
        {results.map((item) => (
          <li
            key={item.id}
            id={optionId(item)}
            role="option"
            aria-selected={item === current}
            class={item === current ? "active" : undefined}
            onPointerMove={() => setActive(results.indexOf(item))}
            onClick={() => go(item)}
          >
            <span>{item.label}</span>
            <span class="muted palette-group">{item.group}</span>
          </li>
        ))}
      </ul>
      {results.length === 0 && <p class="muted palette-empty">Nothing matches “{query}”.</p>}
      <p class="muted palette-help">
        <kbd>↑</kbd> <kbd>↓</kbd> to move, <kbd>Enter</kbd> to go, <kbd>Esc</kbd> to close
      </p>
    </dialog>
  );
}
