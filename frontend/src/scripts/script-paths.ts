/** The Scripts page's addresses: `/scripts` (the list) and `/scripts/<id>` (one script). */
export const SCRIPTS_PATH = "/scripts";
export const scriptPath = (id: string) => `${SCRIPTS_PATH}/${encodeURIComponent(id)}`;
