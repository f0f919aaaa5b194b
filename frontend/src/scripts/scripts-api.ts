import type { Script, ScriptDetail, ScriptInterpreter, ScriptVersion } from "@anchorage/common";
import { authed, instancePath, request, type ActionRecord } from "../api.ts";

/** The script library's calls (`/api/cloud/scripts`, docs/fleet.md "Scripts"). */

const base = "/api/cloud/scripts";
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const listScripts = () => authed(() => request<{ scripts: Script[] }>("GET", base)).then((r) => r.scripts);
export const getScript = (id: string) => authed(() => request<ScriptDetail>("GET", one(id)));
export const getScriptVersion = (id: string, version: number) => authed(() => request<ScriptVersion>("GET", `${one(id)}/versions/${version}`));
export const createScript = (input: { name: string; body: string; interpreter: ScriptInterpreter }) => authed(() => request<ScriptDetail>("POST", base, input));
export const saveScript = (id: string, input: { body: string; interpreter?: ScriptInterpreter; name?: string }) => authed(() => request<ScriptDetail>("PUT", one(id), input));
export const deleteScript = (id: string) => authed(() => request<{ success: true }>("DELETE", one(id)));

export const runScriptOn = (instanceId: string, input: { script_id: string; version?: number; args?: string[]; timeout_seconds?: number }) =>
  authed(() => request<ActionRecord>("POST", instancePath(instanceId, "script"), input));

export const INTERPRETER_LABELS: Record<ScriptInterpreter, string> = { sh: "sh (POSIX shell)", bash: "bash", python3: "python3" };

/** The editor's language for an interpreter: Python has a mode; the shells are edited as plain text. */
export const languageFor = (i: ScriptInterpreter) => (i === "python3" ? ("python" as const) : null);

/** A first body for a new script, so the editor never starts empty. */
export const STARTER: Record<ScriptInterpreter, string> = {
  sh: '#!/bin/sh\nset -eu\necho "hello from $(hostname)"\n',
  bash: '#!/usr/bin/env bash\nset -euo pipefail\necho "hello from $(hostname)"\n',
  python3: 'import platform\n\nprint(f"hello from {platform.node()}")\n',
};
