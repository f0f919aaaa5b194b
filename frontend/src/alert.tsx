import type { ComponentChildren } from "preact";

/** An error announced to screen readers as soon as it appears. */
export function Alert({ children }: { children: ComponentChildren }) {
  return (
    <div class="alert" role="alert">
      {children}
    </div>
  );
}

/** A quiet confirmation ("Session revoked"), announced without interrupting. */
export function Notice({ text }: { text: string }) {
  return (
    <p class="notice" role="status">
      {text}
    </p>
  );
}
