import type { ScopeContext } from "./scope-drafts.ts";
import { describeActions, describeScope } from "./scope-labels.ts";
import type { ScopeGrant } from "./tokens-api.ts";

/** Grants in words, each with the scope as written beneath for those who want it exact. */
export function ScopeList({ grants, ctx }: { grants: readonly ScopeGrant[]; ctx: ScopeContext }) {
  return (
    <ul class="scope-list">
      {grants.map((g, i) => (
        <li key={`${i} ${g.scope}`}>
          <span class="scope-what">{describeScope(g.scope, ctx)}</span>: {describeActions(g.actions)}
          <code class="sub">{g.scope}</code>
        </li>
      ))}
    </ul>
  );
}
