import type {
  actionRecordSchema,
  deviceVerifyResponseSchema,
  FieldIssue,
  Instance,
  LogLine,
  RegistrationMode,
  SecondFactorRequired,
  SessionInfo,
  SessionResponse,
  SignedInEverywhere,
  SignOutExtra,
  User,
} from "@anchorage/common";
import { ApiError } from "./api-error.ts";
import { askStepUp } from "./step-up/ask-step-up.ts";

export { ApiError };

/**
 * Every call to the API. Same origin as the page: the session lives in HttpOnly
 * cookies, so no token is ever visible here. State-changing requests send
 * `credentials: "same-origin"` and the browser adds the Origin header the server checks.
 */

export interface Health {
  status: string;
  version: string;
}

export interface AuthConfig {
  registration: RegistrationMode;
  providers: string[];
  /** Each provider's button label (absent from an older server: the fixed providers' names). */
  provider_names?: Record<string, string>;
  password_policy: { min_length: number; max_length: number };
  /** Sign-in links by mail are offered (absent from an older server: not offered). */
  magic_link?: boolean;
  /** Passkey sign-in is offered (absent from an older server: not offered). */
  passkeys?: boolean;
}

/** One JSON call to the API; a failure becomes an ApiError. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers = { accept: "application/json", "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, "E-NETWORK", "Could not reach the server. Check your connection and try again.");
  }
  const data: unknown = await res.json().catch(() => null);
  if (res.ok) return data as T;
  const err = (data as { error?: { code?: string; message?: string; fields?: FieldIssue[]; methods?: string[] } } | null)?.error;
  throw new ApiError(res.status, err?.code ?? "E-UNKNOWN", err?.message ?? `Request failed (HTTP ${res.status})`, err?.fields ?? [], err?.methods ?? []);
}

const isStepUp = (e: unknown): e is ApiError => e instanceof ApiError && e.code === "E-AUTH-STEP-UP";
// A step-up answer is a 401 too, but the session is alive: refreshing it would not help.
const isUnauthenticated = (e: unknown) => e instanceof ApiError && e.status === 401 && !isStepUp(e);

// Refresh tokens rotate and a reused one ends the session, so concurrent 401s share one refresh.
let refreshing: Promise<boolean> | null = null;

/** Trade the refresh cookie for new cookies. False when there is no live session. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= request<{ user: User }>("POST", "/auth/refresh", {})
    .then(() => true)
    .catch((e: unknown) => {
      if (isUnauthenticated(e)) return false;
      throw e;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * Run a signed-in call; on 401 refresh the session once and retry. An action that needs a fresh
 * proof of identity (E-AUTH-STEP-UP) asks for it in the step-up dialog and, once given, runs once more.
 */
export async function authed<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isStepUp(e)) {
      if (!(await askStepUp(e.methods))) throw notConfirmed(e);
      return call();
    }
    if (!isUnauthenticated(e) || !(await refreshSession())) throw e;
    try {
      return await call();
    } catch (again) {
      if (!isStepUp(again)) throw again;
      if (!(await askStepUp(again.methods))) throw notConfirmed(again);
      return call();
    }
  }
}

/**
 * The person closed the step-up dialog: the action is refused as a 403, never a 401, so no panel
 * takes it for an expired session and signs them out; it says why beside the action.
 */
const notConfirmed = (e: ApiError) => new ApiError(403, e.code, "Not done: this needs you to confirm it is you first.", e.fields, e.methods);

export const getHealth = () => request<Health>("GET", "/healthz");
export const getAuthConfig = () => request<AuthConfig>("GET", "/auth/config");

/** The signed-in user, or null when there is no session (after one refresh attempt). */
export async function getCurrentUser(): Promise<User | null> {
  try {
    return await authed(() => request<User>("GET", "/auth/user"));
  } catch (e) {
    if (isUnauthenticated(e)) return null;
    throw e;
  }
}

/** A session, or (for an account with a passkey) the second step that only the passkey finishes. */
export const login = (email: string, password: string) =>
  request<SessionResponse | SecondFactorRequired>("POST", "/auth/login", { email, password, transport: "cookie" });

export interface RegisterInput {
  email: string;
  password: string;
  name?: string;
  invite?: string;
}

export const register = (input: RegisterInput) =>
  request<SessionResponse>("POST", "/auth/register", { ...input, transport: "cookie" });

export const logout = () => request<{ success: true }>("POST", "/auth/logout");

export const listSessions = () =>
  authed(() => request<{ sessions: SessionInfo[] }>("GET", "/api/settings/sessions")).then((r) => r.sessions);

/** Sessions, MCP clients and API tokens: everything signed in as you (GET /auth/sessions). */
export const listSignedIn = () => authed(() => request<SignedInEverywhere>("GET", "/auth/sessions"));

export const revokeMcpGrant = (id: string) => authed(() => request<{ success: true }>("DELETE", `/auth/mcp-grants/${encodeURIComponent(id)}`));

/** Signs out of every session, this one too; `include` also ends MCP clients and/or API tokens. */
export const signOutEverywhere = (include: SignOutExtra[]) =>
  authed(() => request<{ success: true; sessions_ended: number; mcp_grants_revoked: number; api_tokens_revoked: number }>("POST", "/auth/logout-all", { include }));

export const revokeSession = (id: string) =>
  authed(() => request<{ success: true }>("DELETE", `/api/settings/sessions/${encodeURIComponent(id)}`));

export const listUsers = () => authed(() => request<{ users: User[] }>("GET", "/admin/users")).then((r) => r.users);

export const setUserDisabled = (id: string, disabled: boolean) =>
  authed(() => request<{ user: User; sessions_ended: number }>("PATCH", `/admin/users/${encodeURIComponent(id)}`, { disabled }));

// ── Device sign-in (RFC 8628): the /device page approves a CLI's request ──────

/** A pending device sign-in, as `GET /auth/device/verify` describes it. */
export type DeviceRequest = ReturnType<(typeof deviceVerifyResponseSchema)["parse"]>;

export const verifyDeviceCode = (userCode: string) =>
  authed(() => request<DeviceRequest>("GET", `/auth/device/verify?user_code=${encodeURIComponent(userCode)}`));

export const decideDevice = (userCode: string, approve: boolean) =>
  authed(() => request<{ status: "approved" | "denied" }>("POST", "/auth/device/approve", { user_code: userCode, approve }));

// ── Anchored instances ────────────────────────────────────────────────────────

/** One command run on an instance (`running` until it finishes). */
export type ActionRecord = ReturnType<(typeof actionRecordSchema)["parse"]>;
export type LogEntry = LogLine & { seq: number };

/** `/api/cloud/instance/<id>/<rest>`; `rest` may carry a query string. */
export const instancePath = (id: string, rest: string) => `/api/cloud/instance/${encodeURIComponent(id)}/${rest}`;

export const listInstances = () =>
  authed(() => request<{ instances: Instance[] }>("GET", "/api/cloud/instances")).then((r) => r.instances);

export const runCommand = (id: string, command: string) => authed(() => request<ActionRecord>("POST", instancePath(id, "command"), { command }));

export const listActions = (id: string) =>
  authed(() => request<{ actions: ActionRecord[] }>("GET", instancePath(id, "actions"))).then((r) => r.actions);

/** Lines after `since`; with `since` null, the newest `limit` lines. */
export const getLogs = (id: string, since: number | null, limit: number) =>
  authed(() => request<{ lines: LogEntry[] }>("GET", instancePath(id, since === null ? `logs?limit=${limit}` : `logs?since=${since}&limit=${limit}`))).then((r) => r.lines);
