import { useEffect, useState } from "preact/hooks";
import { AdminInvites } from "../admin/admin-invites.tsx";
import { AdminSessions } from "../admin/admin-sessions.tsx";
import { AdminUsers } from "../admin-users.tsx";
import { listUsers } from "../api.ts";
import { AuditSection } from "../audit/audit-section.tsx";
import { InstanceTable } from "../instances/instance-table.tsx";
import { ProxiesSection } from "../proxies/proxies-section.tsx";
import { isAdmin, useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { Redirect } from "../shell/redirect.tsx";
import { ADMIN_PAGES, paths, type AdminPage as Section } from "../shell/routes.ts";
import { SubNav } from "../shell/sub-nav.tsx";
import { NotFoundPage } from "./not-found-page.tsx";

/** Admin at `/manage/<section>` (`/admin` is the admin API's): users, sessions, invites, everything, the audit log. */
export function AdminPage({ params }: { params: { section?: string } }) {
  const { user } = useAppData();
  // Not an admin: the page does not exist for them (the API refuses them either way).
  if (!isAdmin(user)) return <NotFoundPage />;
  if (!params.section) return <Redirect to={paths.admin()} />;
  const section = ADMIN_PAGES.find((p) => p.id === params.section);
  if (!section) return <NotFoundPage />;
  return (
    <Page title="Admin" tabTitle={[section.label, "Admin"]}>
      <SubNav label="Admin" pages={ADMIN_PAGES} href={(id) => paths.admin(id as Section)} />
      <AdminSection section={section.id} />
    </Page>
  );
}

/** Every user's email by id, for the pages that name owners and actors. */
function useUserEmails() {
  const [emails, setEmails] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    listUsers().then((users) => setEmails(new Map(users.map((u) => [u.id, u.email]))), () => {});
  }, []);
  return emails;
}

function AdminSection({ section }: { section: Section }) {
  const { user, config, hub, list, onExpired } = useAppData();
  const emails = useUserEmails();
  switch (section) {
    case "users":
      return <AdminUsers me={user} passwordPolicy={config?.password_policy} onExpired={onExpired} />;
    case "sessions":
      return <AdminSessions onExpired={onExpired} />;
    case "invites":
      return <AdminInvites onExpired={onExpired} />;
    case "everything":
      return (
        <>
          <section class="card" aria-labelledby="all-instances-title">
            <h2 id="all-instances-title">All instances</h2>
            {list.instances === null ? (
              <p class="muted">Loading instances…</p>
            ) : list.instances.length === 0 ? (
              <p class="muted">No instance is anchored yet.</p>
            ) : (
              <InstanceTable labelledBy="all-instances-title" instances={list.instances} owners={new Map([...emails, [user.id, `${user.email} (you)`]])} />
            )}
          </section>
          <ProxiesSection hub={hub} instances={list.instances} onExpired={onExpired} />
        </>
      );
    case "audit":
      return (
        <AuditSection
          scope="all"
          ctx={{ me: user.id, names: new Map([...(list.instances ?? []).map((i) => [i.id, i.name] as const), ...emails]) }}
          resolveEmail={(e) => [...emails].find(([, m]) => m.toLowerCase() === e)?.[0]}
          onExpired={onExpired}
        />
      );
  }
}
