import { SharesSection } from "../shares/shares-section.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { usePageTitle } from "../shell/page-title.ts";

/** Shares you gave and received: the section is the page. */
export function SharesPage() {
  const { list, onExpired } = useAppData();
  usePageTitle("Shares");
  return <SharesSection instances={list.instances} onExpired={onExpired} level={1} />;
}
