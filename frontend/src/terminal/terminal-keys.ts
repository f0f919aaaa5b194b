/**
 * What the phone key bar sends (terminal-key-bar.tsx): the keys a phone's keyboard lacks, and the
 * sticky Ctrl and Alt applied to the next key, from the bar or from the keyboard. Pure functions,
 * so the byte sequences are tested without a terminal (test/frontend/terminal/terminal-keys.test.ts).
 */

export type Modifiers = { ctrl: boolean; alt: boolean };
export const NO_MODIFIERS: Modifiers = { ctrl: false, alt: false };

export type Arrow = "up" | "down" | "right" | "left";
const ARROW_LETTER: Record<Arrow, string> = { up: "A", down: "B", right: "C", left: "D" };

/** An arrow as xterm sends it: SS3 in the application cursor mode (DECCKM, as vim and less set it), CSI otherwise. */
export const arrowKey = (arrow: Arrow, applicationCursor: boolean) => `\x1b${applicationCursor ? "O" : "["}${ARROW_LETTER[arrow]}`;

/**
 * Ctrl with one character, as a VT220 keyboard sends it: letters and @ [ \ ] ^ _ to C0 controls
 * (Ctrl-C is 0x03), ? to DEL, and xterm's digits (Ctrl-2 is NUL … Ctrl-8 is DEL); / and space as
 * xterm does. Null for a character Ctrl does not change.
 */
export function ctrlChar(ch: string): string | null {
  if (ch.length !== 1) return null;
  const code = ch.charCodeAt(0);
  if ((code >= 0x40 && code <= 0x5f) || (code >= 0x61 && code <= 0x7a)) return String.fromCharCode(code & 0x1f); // @A-Z[\]^_ and a-z
  const special: Record<string, number> = { "?": 0x7f, " ": 0x00, "/": 0x1f, "2": 0x00, "3": 0x1b, "4": 0x1c, "5": 0x1d, "6": 0x1e, "7": 0x1f, "8": 0x7f };
  return ch in special ? String.fromCharCode(special[ch]!) : null;
}

const ARROW_SEQUENCE = /^\x1b[[O]([ABCD])$/;

/**
 * Whether data from xterm is a key the sticky modifiers apply to: a character, Esc or an arrow,
 * not another escape sequence (a function key, or xterm's own answer to a query from the program,
 * which must reach it untouched and leave Ctrl waiting).
 */
export const takesModifiers = (data: string) => !(data.length > 1 && data.startsWith("\x1b")) || ARROW_SEQUENCE.test(data);

/** xterm's modifier parameter: 1 + Shift(1) + Alt(2) + Ctrl(4). */
const modifierParam = (m: Modifiers) => 1 + (m.alt ? 2 : 0) + (m.ctrl ? 4 : 0);

/**
 * The bytes for `data` (one key's worth, from the bar or from the keyboard) with the sticky
 * modifiers applied. Arrows take xterm's modified form (`ESC [ 1 ; 5 A` for Ctrl-Up); one
 * character gets Ctrl's control code, and Alt as the ESC prefix (xterm's metaSendsEscape). When a
 * keyboard sends several characters at once (a suggestion accepted), the first one takes them.
 */
export function withModifiers(data: string, m: Modifiers): string {
  if (!m.ctrl && !m.alt) return data;
  const arrow = ARROW_SEQUENCE.exec(data);
  if (arrow) return `\x1b[1;${modifierParam(m)}${arrow[1]}`;
  const chars = Array.from(data);
  const first = chars[0];
  if (first === undefined) return data;
  const rest = chars.slice(1).join("");
  const ctrl = m.ctrl ? (ctrlChar(first) ?? first) : first;
  return `${m.alt ? "\x1b" : ""}${ctrl}${rest}`;
}

