import type { ITheme } from "@xterm/xterm";

/**
 * The terminal's colours from the dashboard's CSS variables, so it follows light and dark mode.
 * xterm's own ANSI palette is made for a dark background; on a light one its yellow and white
 * text would be unreadable, so light mode gets darker ANSI colours.
 */

const DARK_QUERY = "(prefers-color-scheme: dark)";

const LIGHT_ANSI: ITheme = {
  black: "#1a1d21",
  red: "#b3261e",
  green: "#11692d",
  yellow: "#7a5900",
  blue: "#0b5cad",
  magenta: "#8e2c8e",
  cyan: "#0b6e79",
  white: "#545c69",
  brightBlack: "#4a515c",
  brightRed: "#d0342c",
  brightGreen: "#1a7f37",
  brightYellow: "#8a6a00",
  brightBlue: "#1a66d6",
  brightMagenta: "#a347a3",
  brightCyan: "#0f7f8c",
  brightWhite: "#1a1d21",
};

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function terminalTheme(): ITheme {
  const base: ITheme = {
    background: cssVar("--bg"),
    foreground: cssVar("--text"),
    cursor: cssVar("--accent"),
    cursorAccent: cssVar("--bg"),
    selectionBackground: cssVar("--badge-bg"),
  };
  return matchMedia(DARK_QUERY).matches ? base : { ...LIGHT_ANSI, ...base };
}

/** Calls `changed` when the reader's colour scheme flips; returns the unsubscribe. */
export function watchColorScheme(changed: () => void): () => void {
  const query = matchMedia(DARK_QUERY);
  query.addEventListener("change", changed);
  return () => query.removeEventListener("change", changed);
}
