import type { JSX } from "preact";
import { arrowKey, type Arrow, type Modifiers } from "./terminal-keys.ts";

/** A key the bar types: what it sends (given the cursor mode), its face and its accessible name. */
type BarKey = { face: string; name: string; data: (applicationCursor: boolean) => string };

const arrow = (a: Arrow, face: string, name: string): BarKey => ({ face, name, data: (app) => arrowKey(a, app) });
const char = (ch: string, name: string): BarKey => ({ face: ch, name, data: () => ch });

const BEFORE: readonly BarKey[] = [
  { face: "Esc", name: "Esc", data: () => "\x1b" },
  { face: "Tab", name: "Tab", data: () => "\t" },
];
const AFTER: readonly BarKey[] = [
  arrow("left", "←", "Left"),
  arrow("up", "↑", "Up"),
  arrow("down", "↓", "Down"),
  arrow("right", "→", "Right"),
  char("|", "|"),
  char("~", "~"),
  char("/", "/"),
];

interface Props {
  modifiers: Modifiers;
  disabled: boolean;
  onToggle: (which: keyof Modifiers) => void;
  /** A key pressed: `applicationCursor` picks the arrows' form. */
  onKey: (data: (applicationCursor: boolean) => string) => void;
}

/**
 * Pressing a button must not take focus from the terminal, or a phone closes its keyboard: the
 * pointer's default (focusing the button) is prevented, and the click hands focus back anyway
 * (terminal-view.tsx), for a keyboard that activated the button with Enter or Space.
 */
const keepFocus = (e: JSX.TargetedPointerEvent<HTMLButtonElement>) => e.preventDefault();

/** Arrow keys move between the bar's buttons (the toolbar pattern of the WAI-ARIA practices); Tab leaves it. */
function moveAlong(e: JSX.TargetedKeyboardEvent<HTMLDivElement>) {
  const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
  if (!step && e.key !== "Home" && e.key !== "End") return;
  const buttons = Array.from(e.currentTarget.querySelectorAll("button"));
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const next = e.key === "Home" ? 0 : e.key === "End" ? buttons.length - 1 : (at + step + buttons.length) % buttons.length;
  buttons[next]?.focus();
  e.preventDefault();
}

/**
 * The keys a phone's keyboard lacks, under the terminal at phone width (the stylesheet hides the
 * bar from 40rem up, where a real keyboard is the rule): Esc, Tab, sticky Ctrl and Alt (the next
 * key, from here or from the keyboard, goes with them; aria-pressed says they wait), the arrows,
 * and | ~ /, which phone keyboards bury a layer or two down.
 */
export function TerminalKeyBar({ modifiers, disabled, onToggle, onKey }: Props) {
  // One tab stop for the bar (Esc); the arrow keys reach the rest.
  const key = (k: BarKey) => (
    <button key={k.name} type="button" tabIndex={k.name === "Esc" ? 0 : -1} aria-label={k.name} disabled={disabled} onPointerDown={keepFocus} onClick={() => onKey(k.data)}>
      {k.face}
    </button>
  );
  const sticky = (which: keyof Modifiers, name: string) => (
    <button type="button" class="sticky-key" tabIndex={-1} aria-pressed={modifiers[which]} disabled={disabled} onPointerDown={keepFocus} onClick={() => onToggle(which)}>
      {name}
    </button>
  );
  return (
    <div class="terminal-keys" role="toolbar" aria-label="Terminal keys" onKeyDown={moveAlong}>
      {BEFORE.map(key)}
      {sticky("ctrl", "Ctrl")}
      {sticky("alt", "Alt")}
      {AFTER.map(key)}
    </div>
  );
}
