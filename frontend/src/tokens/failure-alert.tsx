import { Alert } from "../alert.tsx";
import type { FormFailure } from "./form-failure.ts";

/** A refused form's message (key it by `failure.attempt` so a repeat is announced again), and the server's messages about things the form has no input for. */
export function FailureAlert({ failure }: { failure: FormFailure }) {
  return (
    <Alert>
      <p>{failure.message}</p>
      {failure.other.length > 0 && (
        <ul>
          {failure.other.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
