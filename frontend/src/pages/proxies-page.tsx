import { ProxiesSection } from "../proxies/proxies-section.tsx";
import { useAppData } from "../shell/app-data.tsx";
import { usePageTitle } from "../shell/page-title.ts";

/** Every proxy the person can reach: the section is the page (its title is the <h1>). */
export function ProxiesPage() {
  const { hub, list, onExpired } = useAppData();
  usePageTitle("Proxies");
  return <ProxiesSection hub={hub} instances={list.instances} onExpired={onExpired} level={1} />;
}
