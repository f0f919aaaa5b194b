import { call, json, testEnv, type Session } from "../helpers.ts";

/** Creates an alert; throws with the answer when it is not a 201. */
export async function createAlert(s: Session, body: Record<string, unknown>): Promise<any> {
  const res = await call("/api/alerts", { token: s.access, body });
  if (res.status !== 201) throw new Error(`alert not created: ${res.status} ${await res.text()}`);
  return json(res);
}

export const history = async (s: Session, id: string): Promise<any[]> => (await json(await call(`/api/alerts/${id}/history?limit=200`, { token: s.access }))).history;
export const alertView = async (s: Session, id: string): Promise<any> => json(await call(`/api/alerts/${id}`, { token: s.access }));
export const alertStub = (id: string) => testEnv.ALERT.get(testEnv.ALERT.idFromName(id));
export const offline = (forSeconds: number) => ({ offline: { forSeconds } });
