import { CopyButton } from "../proxies/copy-button.tsx";

/**
 * How to add a machine: the one command to run there, with this deployment's address filled in.
 * Signing in happens in the browser (the command prints a link and a code to approve here).
 */
export function AnchorCommand({ open }: { open: boolean }) {
  const command = `npx anchorage anchor ${location.origin} && npx anchorage run`;
  return (
    <details class="anchor-command" open={open}>
      <summary>Anchor a machine</summary>
      <p class="hint">
        On the machine, with the agent installed (README, "Anchoring a machine"), run this. It prints a link and a code: approve them here, signed
        in, and the machine appears in this list by itself.
      </p>
      <div class="copy-row">
        <code id="anchor-command-text">{command}</code>
        <CopyButton text={command} subject="the anchor command" selectId="anchor-command-text" />
      </div>
    </details>
  );
}
