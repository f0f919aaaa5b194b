import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { MCP_OAUTH_SCOPES, isMcpOAuthScope } from "./oauth-scopes.ts";

const escape = (value: string) => value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The consent screen an MCP client's sign-in shows: who asks (its self-asserted name, marked as
 * such), where access will go, and each permission as a checkbox the person can untick. Every
 * string from the client is escaped; the page cannot be framed (the helper's headers say so).
 */
export function consentPage(d: ConsentDescription, handle: string, userEmail: string): string {
  const name = escape(d.clientName || d.clientId);
  const requested = d.scope.length ? d.scope : Object.keys(MCP_OAUTH_SCOPES);
  const boxes = requested
    .filter(isMcpOAuthScope)
    .map((s) => `<li><label><input type="checkbox" name="scope" value="${escape(s)}" checked> ${escape(MCP_OAUTH_SCOPES[s].label)} <code>${escape(s)}</code></label></li>`)
    .join("");
  return `<!doctype html>
<html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow ${name}?</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color-scheme:light dark}li{list-style:none;margin:.4rem 0}ul{padding:0}button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}:focus-visible{outline:3px solid #4a90e2;outline-offset:2px}.warn{border-left:4px solid #c60;padding-left:.75rem}</style>
<h1>Allow <strong>${name}</strong> to act for you?</h1>
<p>Signed in as <strong>${escape(userEmail)}</strong>. ${d.clientDomain ? `Published by <strong>${escape(d.clientDomain)}</strong>.` : "This app registered itself: its name is not verified."}</p>
<p>Access will be sent to <strong>${escape(d.redirectHost)}</strong>.</p>
${d.redirectIsLoopback ? '<p class="warn"><strong>This sends access to an app on this computer.</strong> Continue only if you just started signing in from it.</p>' : ""}
<form method="post">
<input type="hidden" name="handle" value="${escape(handle)}">
<fieldset><legend>It will be able to, on your instances and those shared with you:</legend><ul>${boxes}</ul></fieldset>
<p>You can take this back at any time by revoking its token under API tokens.</p>
<p><button name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button></p>
</form></html>`;
}
