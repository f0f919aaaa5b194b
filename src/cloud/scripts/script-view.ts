import type { Script, ScriptDetail, ScriptVersion } from "@anchorage/common";
import type { ScriptRow } from "../../../core/db/schema.ts";
import type { ScriptVersionInfo, ScriptWithLatest } from "../../../core/scripts/script-store.ts";

/** The API's shapes of the script library (common/src/scripts.ts). */

export const toScriptView = (s: ScriptRow & { interpreter: Script["interpreter"] }): Script => ({
  id: s.id, name: s.name, version: s.version, interpreter: s.interpreter, created_at: s.createdAt, updated_at: s.updatedAt,
});

const toVersionInfo = (v: ScriptVersionInfo) => ({ version: v.version, interpreter: v.interpreter, bytes: v.bytes, created_at: v.createdAt, created_by: v.createdBy });

export const toScriptDetail = ({ script, latest }: ScriptWithLatest, versions: ScriptVersionInfo[]): ScriptDetail => ({
  ...toScriptView({ ...script, interpreter: latest.interpreter }),
  body: latest.body,
  versions: versions.map(toVersionInfo),
});

export const toVersionView = ({ script, latest }: ScriptWithLatest): ScriptVersion => ({ script_id: script.id, name: script.name, ...toVersionInfo(latest), body: latest.body });
