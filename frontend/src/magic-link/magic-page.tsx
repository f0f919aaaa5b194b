import { useEffect, useState } from "preact/hooks";
import { Alert } from "../alert.tsx";
import { ApiError } from "../api.ts";
import { useFocusOnMount } from "../focus.ts";
import { redeemMagicLink } from "./magic-link-api.ts";

/** The link from the mail, read once: the token leaves the address bar (and so history and reloads) at once. */
function linkFromUrl(): { token: string | null; forCli: boolean } {
  const q = new URLSearchParams(location.search);
  return { token: q.get("token"), forCli: q.get("for") === "cli" };
}

type State = { kind: "ready" } | { kind: "busy" } | { kind: "approved"; message: string } | { kind: "failed"; message: string };

/**
 * /magic: where a sign-in link lands. The token is sent only when the button is pressed, so a
 * mail scanner that opens links does not spend it. A browser's link signs this browser in; a
 * terminal's link approves the terminal that asked.
 */
export function MagicPage() {
  const [link] = useState(linkFromUrl);
  const [state, setState] = useState<State>(link.token ? { kind: "ready" } : { kind: "failed", message: "This page needs the sign-in link from your mail." });
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);

  useEffect(() => {
    history.replaceState(null, "", location.pathname);
  }, []);

  async function redeem() {
    setState({ kind: "busy" });
    try {
      const result = await redeemMagicLink(link.token!);
      if (result.for === "browser") location.replace("/");
      else setState({ kind: "approved", message: result.message });
    } catch (e) {
      const expired = e instanceof ApiError && e.status === 401;
      setState({ kind: "failed", message: expired ? `${e.message[0]!.toUpperCase()}${e.message.slice(1)}.` : e instanceof Error ? e.message : "Something went wrong." });
    }
  }

  return (
    <section class="card stack" aria-labelledby="magic-page-title">
      <h2 id="magic-page-title" ref={headingRef} tabIndex={-1}>
        {link.forCli ? "Approve a terminal sign-in" : "Finish signing in"}
      </h2>
      {state.kind === "failed" ? (
        <>
          <Alert>
            <p>{state.message}</p>
          </Alert>
          <p>
            <a href="/">Go to the sign-in page</a>
          </p>
        </>
      ) : state.kind === "approved" ? (
        <p role="status" class="ok">
          {state.message}
        </p>
      ) : (
        <>
          <p>
            {link.forCli
              ? "A terminal asked to sign in as you. Approve only if you started it and it shows the code named in the mail."
              : "You opened a sign-in link from Anchorage. It works once."}
          </p>
          <button type="button" class="primary" onClick={redeem} disabled={state.kind === "busy"}>
            {state.kind === "busy" ? "Checking…" : link.forCli ? "Approve the terminal sign-in" : "Sign in to Anchorage"}
          </button>
        </>
      )}
    </section>
  );
}
