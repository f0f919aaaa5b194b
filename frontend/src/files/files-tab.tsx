import type { Instance } from "@anchorage/common";

/** The instance's files (issue #21): built next. */
export function FilesTab({ instance }: { instance: Instance }) {
  return <p class="muted">Files of {instance.name}.</p>;
}
