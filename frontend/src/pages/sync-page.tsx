import { useAppData } from "../shell/app-data.tsx";
import { usePageTitle } from "../shell/page-title.ts";
import { SyncScreen } from "../sync/sync-screen.tsx";

/** File sync between two instances' folders, and the mirrors: the screen is the page. */
export function SyncPage() {
  const { hub, list, onExpired } = useAppData();
  usePageTitle("File sync");
  return <SyncScreen hub={hub} instances={list.instances} onExpired={onExpired} level={1} />;
}
