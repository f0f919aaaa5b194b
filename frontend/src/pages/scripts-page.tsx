import { ScriptDetailView } from "../scripts/script-detail.tsx";
import { ScriptList } from "../scripts/script-list.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { Page } from "../shell/page.tsx";

/** The script library: `/scripts` lists your scripts (and writes a new one), `/scripts/<id>` edits, versions and runs one. */
export function ScriptsPage({ params }: { params: { id?: string } }) {
  const { onExpired } = useAppData();
  if (params.id) return <ScriptDetailView key={params.id} id={params.id} onExpired={onExpired} />;
  return (
    <Page title="Scripts">
      <div class="scripts-page stack">
        <ScriptList onExpired={onExpired} />
      </div>
    </Page>
  );
}
