import { useRef, useState } from "preact/hooks";
import { useFocusOnMount } from "../focus.ts";
import type { CreatedToken } from "./tokens-api.ts";

/**
 * A new token's secret, the one time it is ever shown (only its hash is stored), with a copy
 * button. Where the clipboard is refused, the secret is selected for the person to copy.
 */
export function TokenSecret({ id, created, onDone }: { id: string; created: CreatedToken; onDone: () => void }) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const inputRef = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.token);
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
        Token “{created.name}” created
      </h3>
      <div class="warning">
        <p>
          <strong>Copy it now: you will not see this token again.</strong> Only a hash of it is kept. If you lose it, revoke it and create
          another.
        </p>
      </div>
      <div class="field">
        <label for={`${id}-value`}>Your new token</label>
        <div class="secret-row">
          <input
            id={`${id}-value`}
            ref={inputRef}
            class="code-text"
            value={created.token}
            readOnly
            spellcheck={false}
            autocomplete="off"
            onFocus={(e) => e.currentTarget.select()}
            aria-describedby={`${id}-use`}
          />
          <button type="button" class="primary" onClick={copy}>
            Copy<span class="visually-hidden"> token</span>
          </button>
        </div>
        <p id={`${id}-use`} class="hint">
          Send it as <code>Authorization: Bearer &lt;token&gt;</code>.
        </p>
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
