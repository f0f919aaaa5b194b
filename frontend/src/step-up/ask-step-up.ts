/**
 * The bridge between the API client (api.ts `authed`) and the step-up dialog the shell mounts:
 * an action answered E-AUTH-STEP-UP waits here until the person proved who they are (true) or
 * gave up (false). Concurrent actions share one question.
 */
export type StepUpAsker = (methods: string[]) => Promise<boolean>;

let asker: StepUpAsker | null = null;
let pending: Promise<boolean> | null = null;

/** The dialog registers itself while mounted; the returned function unregisters it. */
export function setStepUpAsker(a: StepUpAsker): () => void {
  asker = a;
  return () => {
    if (asker === a) asker = null;
  };
}

/** Asks for a step-up; false at once when no dialog is mounted (the page outside the dashboard). */
export function askStepUp(methods: string[]): Promise<boolean> {
  if (!asker) return Promise.resolve(false);
  pending ??= asker(methods).finally(() => {
    pending = null;
  });
  return pending;
}
