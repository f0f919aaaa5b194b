import type { JSX } from "preact";
import { filePath, freshSession } from "./files-api.ts";

interface DownloadLinkProps {
  instanceId: string;
  path: string;
  name: string;
  class?: string;
  children: JSX.Element | string | (JSX.Element | string)[];
  onExpired: () => void;
}

/**
 * A link that saves a file from the machine (GET …/file, an attachment under the file's own name):
 * the browser downloads it, nothing is shown on the dashboard's origin, and the router leaves a
 * link with `download` alone. The session is renewed first when its access cookie has expired.
 */
export function DownloadLink({ instanceId, path, name, class: className, children, onExpired }: DownloadLinkProps) {
  function onClick(e: JSX.TargetedMouseEvent<HTMLAnchorElement>) {
    const a = e.currentTarget;
    if (a.dataset.fresh === "1") {
      delete a.dataset.fresh;
      return;
    }
    e.preventDefault();
    freshSession().then(
      (live) => {
        if (!live) return onExpired();
        a.dataset.fresh = "1";
        a.click();
      },
      // No answer about the session: let the browser try the link itself.
      () => {
        a.dataset.fresh = "1";
        a.click();
      },
    );
  }
  return (
    <a class={className} href={filePath(instanceId, path)} download={name} onClick={onClick}>
      {children}
    </a>
  );
}
