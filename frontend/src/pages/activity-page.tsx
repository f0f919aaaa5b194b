import { ActivityListSection } from "../activity/activity-list.tsx";
import { AuditScreens } from "../audit/audit-screens.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";

/** Recent actions across every instance, and your own audit log. */
export function ActivityPage() {
  const { user, onExpired } = useAppData();
  return (
    <Page title="Activity">
      <ActivityListSection />
      <AuditScreens user={user} onExpired={onExpired} own />
    </Page>
  );
}
