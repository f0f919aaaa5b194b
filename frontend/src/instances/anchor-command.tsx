import { CopyButton } from "../proxies/copy-button.tsx";

/**
 * How to add a machine: install the agent from this deployment (one file, Node 22 the only need),
 * then anchor it, both with this deployment's address filled in. Signing in happens in the browser
 * (the anchor command prints a link and a code to approve here).
 */
export function AnchorCommand({ open }: { open: boolean }) {
  const command = `curl -fsSL ${location.origin}/install.sh | sh\nanchorage anchor ${location.origin} && anchorage run`;
  return (
    <details class="anchor-command" open={open}>
      <summary>Anchor a machine</summary>
      <p class="hint">
        On the machine (Linux or macOS with Node.js 22 or newer), run these. The first installs the agent for your user; the second prints a link
        and a code: approve them here, signed in, and the machine appears in this list by itself.
      </p>
      <div class="copy-row">
        <pre id="anchor-command-text" class="config-text">
          <code>{command}</code>
        </pre>
        <CopyButton text={command} subject="the anchor commands" selectId="anchor-command-text" />
      </div>
    </details>
  );
}
