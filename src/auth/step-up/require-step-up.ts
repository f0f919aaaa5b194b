import type { Context } from "hono";
import { parseScopePath, STEP_UP_MAX_AGE_SECONDS, type ScopeTarget } from "@anchorage/common";
import type { AppEnv } from "../../http/app-env.ts";
import type { Principal, TokenPrincipal } from "../../../core/auth/principal.ts";
import { AppError } from "../../../core/app-error.ts";
import { stepUpMethods } from "./step-up-methods.ts";
import { isFresh, readSteppedUpAt } from "./stepped-up-at.ts";

const WINDOW = `${STEP_UP_MAX_AGE_SECONDS / 60} minutes`;

/**
 * True when one of the token's grants names exactly this target (`cloud.<owner>.instances.<id>`
 * with the verb): a grant of every instance, or of the whole root, is not enough.
 */
function namesExactly(p: TokenPrincipal, target: ScopeTarget): boolean {
  return p.scopes.some((g) => {
    const path = parseScopePath(g.scope);
    return typeof path !== "string" && g.actions.includes(target.verb) && path.root === target.root && path.userId === target.userId && path.resource === target.resource && path.id === target.id;
  });
}

/**
 * The one check before an action that can take over an account or a fleet (issue 28, step-up):
 * a session must have proven who it is within STEP_UP_MAX_AGE_SECONDS (its sign-in, or
 * POST /auth/step-up), or it is refused with 401 E-AUTH-STEP-UP and the methods it can use.
 * Call it after the permission check, so that who may not act at all learns nothing here.
 *
 * An API token has no session and can never step up: it is refused with methods [] unless
 * `tokenTarget` is given and one of its own grants names exactly that target (the instance by
 * its id and the verb), a grant that itself needed a step-up when it was made.
 */
export async function requireStepUp(c: Context<AppEnv>, principal: Principal, o: { tokenTarget?: ScopeTarget } = {}): Promise<void> {
  if (principal.kind === "token") {
    if (o.tokenTarget && namesExactly(principal, o.tokenTarget)) return;
    throw new AppError("E-AUTH-STEP-UP", "an API token cannot step up: this action needs a signed-in session that proved who it is in the last " + WINDOW, { methods: [] });
  }
  const db = c.get("db");
  if (isFresh(await readSteppedUpAt(db, principal.sessionId, principal.userId))) return;
  const methods = await stepUpMethods(db, principal.userId);
  const message = methods.length
    ? `confirm it is you: this action needs a proof of identity from the last ${WINDOW} (POST /auth/step-up with one of: ${methods.join(", ")})`
    : `confirm it is you: this action needs a sign-in from the last ${WINDOW}, and this account has no password, authenticator app or passkey to prove it otherwise: sign in again`;
  throw new AppError("E-AUTH-STEP-UP", message, { methods });
}
