import { LinkedProviders } from "../oauth/linked-providers.tsx";
import { PasskeysPanel } from "../passkeys/passkeys-panel.tsx";
import { ProfileSettings } from "../profile/profile-settings.tsx";
import { Sessions } from "../sessions.tsx";
import { DeviceInviteCard } from "../device-invite/device-invite-card.tsx";
import { ApiTokensSection } from "../tokens/api-tokens-section.tsx";
import { ServiceAccountsSection } from "../tokens/service-accounts-section.tsx";
import type { ScopeContext } from "../tokens/scope-drafts.ts";
import { WebhooksSection } from "../webhooks/webhooks-section.tsx";
import { TotpPanel } from "../totp/totp-panel.tsx";
import { TeamsPanel } from "../teams/teams-panel.tsx";
import { roleList } from "../format.ts";
import { useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";
import { Redirect } from "../shell/redirect.tsx";
import { paths, SETTINGS_PAGES, type SettingsPage as Section } from "../shell/routes.ts";
import { SubNav } from "../shell/sub-nav.tsx";
import { NotFoundPage } from "./not-found-page.tsx";

/** Settings at `/settings/<section>`: each part of the account on its own sub-page. */
export function SettingsPage({ params }: { params: { section?: string } }) {
  if (!params.section) return <Redirect to={paths.settings()} />;
  const section = SETTINGS_PAGES.find((p) => p.id === params.section);
  if (!section) return <NotFoundPage />;
  return (
    <Page title="Settings" tabTitle={[section.label, "Settings"]}>
      <SubNav label="Settings" pages={SETTINGS_PAGES} href={(id) => paths.settings(id as Section)} />
      <SettingsSection section={section.id} />
    </Page>
  );
}

function SettingsSection({ section }: { section: Section }) {
  const { user, onUserChange, config, list, onExpired } = useAppData();
  const ctx: ScopeContext = { userId: user.id, instances: list.instances ?? [] };
  const instancesNote = list.error ? "Your instances could not be loaded, so only “all” can be picked here; an instance can still be named under Advanced." : undefined;
  switch (section) {
    case "profile":
      return (
        <>
          <section class="card" aria-labelledby="account-title">
            <h2 id="account-title">Signed in</h2>
            <dl class="facts">
              <dt>Name</dt>
              <dd>{user.name || "—"}</dd>
              <dt>Email</dt>
              <dd>{user.email}</dd>
              <dt>Roles</dt>
              <dd>{roleList(user.roles)}</dd>
            </dl>
          </section>
          <ProfileSettings user={user} passwordPolicy={config?.password_policy} onUserChange={onUserChange} onExpired={onExpired} />
        </>
      );
    case "passkeys":
      return <PasskeysPanel onExpired={onExpired} />;
    case "two-factor":
      return <TotpPanel onExpired={onExpired} />;
    case "accounts":
      return <LinkedProviders onExpired={onExpired} />;
    case "sessions":
      return (
        <>
          <Sessions onExpired={onExpired} />
          <DeviceInviteCard onExpired={onExpired} />
        </>
      );
    case "tokens":
      return <ApiTokensSection ctx={ctx} instancesNote={instancesNote} onExpired={onExpired} />;
    case "service-accounts":
      return <ServiceAccountsSection ctx={ctx} instancesNote={instancesNote} onExpired={onExpired} />;
    case "webhooks":
      return <WebhooksSection onExpired={onExpired} />;
    case "teams":
      return <TeamsPanel onExpired={onExpired} userId={user.id} />;
  }
}
