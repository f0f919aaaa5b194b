import { useState } from "preact/hooks";

/**
 * Copies a text to the clipboard and says so. Where the clipboard is refused (an insecure origin,
 * a browser setting), the text is selected on the page for the person to copy themselves.
 */
export function CopyButton({ text, subject, selectId }: { text: string; subject: string; selectId: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const el = document.getElementById(selectId);
      if (el) getSelection()?.selectAllChildren(el);
      setState("failed");
    }
  }

  return (
    <>
      <button type="button" onClick={copy}>
        Copy<span class="visually-hidden"> {subject}</span>
      </button>
      <span role="status" class={state === "failed" ? "bad copy-state" : "notice copy-state"}>
        {state === "copied" ? "Copied." : state === "failed" ? "Could not copy: it is selected, press Ctrl+C (⌘C on a Mac)." : ""}
      </span>
    </>
  );
}
