import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { useFocusOnMount } from "./focus.ts";

interface OneTimeSecretProps {
  id: string;
  title: string;
  /** The input's label ("Invite code", "Signing secret"). */
  label: string;
  value: string;
  /** What the Copy button copies, for a screen reader ("token"); the label in lower case if absent. */
  copySubject?: string;
  /** How to use it, under the field. */
  hint?: ComponentChildren;
  /** Why it is shown only now, and what to do with it. */
  children: ComponentChildren;
  onDone: () => void;
}

/**
 * A secret the server shows only once (a token, an invite code, a webhook's signing secret), with a Copy
 * button; where the clipboard is refused it is selected for the person to copy. Focus moves to
 * its heading when it appears.
 */
export function OneTimeSecret({ id, title, label, value, copySubject, hint, children, onDone }: OneTimeSecretProps) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const inputRef = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopyState("copied");
    } catch {
      inputRef.current?.focus();
      inputRef.current?.select();
      setCopyState("failed");
    }
  }

  return (
    <div class="stack token-secret" role="group" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} ref={headingRef} tabIndex={-1}>
        {title}
      </h3>
      <div class="warning">{children}</div>
      <div class="field">
        <label for={`${id}-value`}>{label}</label>
        <div class="secret-row">
          <input
            id={`${id}-value`}
            ref={inputRef}
            class="code-text"
            value={value}
            readOnly
            spellcheck={false}
            autocomplete="off"
            onFocus={(e) => e.currentTarget.select()}
            aria-describedby={hint ? `${id}-use` : undefined}
          />
          <button type="button" class="primary" onClick={copy}>
            Copy<span class="visually-hidden"> {copySubject ?? label.toLowerCase()}</span>
          </button>
        </div>
        {hint && (
          <p id={`${id}-use`} class="hint">
            {hint}
          </p>
        )}
      </div>
      <p role="status" class={copyState === "failed" ? "bad" : "notice"}>
        {copyState === "copied" ? "Copied to the clipboard." : copyState === "failed" ? "Could not copy it for you: it is selected, press Ctrl+C (⌘C on a Mac)." : ""}
      </p>
      <button type="button" class="align-start" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
