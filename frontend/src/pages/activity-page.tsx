import { ActivityListSection } from "../activity/activity-list.tsx";
import { AuditScreens } from "../audit/audit-screens.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { paths } from "../shell/routes.ts";

/** Recent actions across every instance, and your own audit log. */
export function ActivityPage() {
  const { user, onExpired } = useAppData();
  return (
    <Page title="Activity">
      <nav aria-label="Fleet operations" class="row-links">
        <a href={paths.runs()}>Runs</a> <a href={paths.schedules}>Schedules</a>
      </nav>
      <ActivityListSection />
      <AuditScreens user={user} onExpired={onExpired} own />
    </Page>
  );
}
