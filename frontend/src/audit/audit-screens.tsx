import type { User } from "@anchorage/common";
import { useEffect, useState } from "preact/hooks";
import { listInstances, listUsers } from "../api.ts";
import { listShares } from "../shares/shares-api.ts";
import { AuditSection } from "./audit-section.tsx";
import type { AuditContext } from "./audit-words.ts";

/**
 * Your activity, and for admins the whole audit log. Ids are named where the page can: instances
 * by name, the people you share with (and who share with you) by email, and for admins every user
 * by email (which also lets them filter by email).
 */
/** `own`: only your activity (the Activity page; admins read everyone's under Admin › Audit). */
export function AuditScreens({ user, onExpired, own = false }: { user: User; onExpired: () => void; own?: boolean }) {
  const isAdmin = !own && user.roles.includes("admin");
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [emails, setEmails] = useState<ReadonlyMap<string, string>>(new Map());

  useEffect(() => {
    // Names only: without them, ids are shown.
    const add = (pairs: (readonly [string, string])[]) => setNames((m) => new Map([...m, ...pairs]));
    listInstances().then((list) => add(list.map((i) => [i.id, i.name] as const)), () => {});
    // The people you share with, and who share with you, by email.
    listShares().then(
      ({ given, received }) =>
        add([
          ...given.flatMap((s) => (s.grantee_id && s.grantee_email ? [[s.grantee_id, s.grantee_email] as const] : [])),
          ...received.flatMap((s) => (s.owner_email ? [[s.owner_id, s.owner_email] as const] : [])),
        ]),
      () => {},
    );
    if (isAdmin)
      listUsers().then((users) => {
        add(users.map((u) => [u.id, u.email] as const));
        setEmails(new Map(users.map((u) => [u.email.toLowerCase(), u.id])));
      }, () => {});
  }, []);

  const ctx: AuditContext = { me: user.id, names };
  return (
    <>
      <AuditSection scope="own" ctx={ctx} onExpired={onExpired} />
      {isAdmin && <AuditSection scope="all" ctx={ctx} resolveEmail={(e) => emails.get(e)} onExpired={onExpired} />}
    </>
  );
}
