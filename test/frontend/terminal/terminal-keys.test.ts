import { describe, expect, it } from "vitest";
import { arrowKey, ctrlChar, NO_MODIFIERS, takesModifiers, withModifiers } from "../../../frontend/src/terminal/terminal-keys.ts";

const ctrl = { ctrl: true, alt: false };
const alt = { ctrl: false, alt: true };
const both = { ctrl: true, alt: true };

describe("the phone key bar's bytes", () => {
  it("turns Ctrl and a letter into its control code, whichever case", () => {
    expect(withModifiers("c", ctrl)).toBe("\x03");
    expect(withModifiers("C", ctrl)).toBe("\x03");
    expect(withModifiers("d", ctrl)).toBe("\x04");
    expect(withModifiers("z", ctrl)).toBe("\x1a");
    expect(withModifiers("[", ctrl)).toBe("\x1b");
    expect(withModifiers("?", ctrl)).toBe("\x7f");
    expect(withModifiers(" ", ctrl)).toBe("\x00");
    expect(ctrlChar("é")).toBeNull();
    expect(withModifiers("é", ctrl)).toBe("é");
  });

  it("sends Alt as an ESC prefix, after Ctrl's code", () => {
    expect(withModifiers("b", alt)).toBe("\x1bb");
    expect(withModifiers("c", both)).toBe("\x1b\x03");
    expect(withModifiers("|", alt)).toBe("\x1b|");
  });

  it("gives arrows xterm's modified form, from either cursor mode", () => {
    expect(arrowKey("up", false)).toBe("\x1b[A");
    expect(arrowKey("left", true)).toBe("\x1bOD");
    expect(withModifiers(arrowKey("left", false), ctrl)).toBe("\x1b[1;5D");
    expect(withModifiers(arrowKey("right", true), alt)).toBe("\x1b[1;3C");
    expect(withModifiers(arrowKey("up", false), both)).toBe("\x1b[1;7A");
  });

  it("leaves keys alone without modifiers, and applies them to the first of several characters", () => {
    expect(withModifiers("hello", NO_MODIFIERS)).toBe("hello");
    expect(withModifiers("\x1b[A", NO_MODIFIERS)).toBe("\x1b[A");
    expect(withModifiers("cd", ctrl)).toBe("\x03d");
  });

  it("lets xterm's answers and function keys through untouched, so they do not use up a waiting Ctrl", () => {
    expect(takesModifiers("c")).toBe(true);
    expect(takesModifiers("\x1b")).toBe(true);
    expect(takesModifiers("\x1b[B")).toBe(true);
    expect(takesModifiers("\x1bOA")).toBe(true);
    expect(takesModifiers("\x1b[12;40R")).toBe(false); // a cursor position report
    expect(takesModifiers("\x1b[15~")).toBe(false); // F5
  });
});
