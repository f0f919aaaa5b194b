/** A labelled input with an optional hint and its own error message, wired up with aria-describedby. */

interface FieldProps {
  id: string;
  name: string;
  label: string;
  type?: "text" | "email" | "password";
  autocomplete?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  hint?: string;
  error?: string;
  /** The value it starts with (the input stays uncontrolled). */
  defaultValue?: string;
}

export function Field({ id, name, label, type = "text", autocomplete, required, minLength, maxLength, hint, error, defaultValue }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id}>
        {label}
        {!required && <span class="optional"> (optional)</span>}
      </label>
      {hint && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
      <input
        id={id}
        name={name}
        type={type}
        autocomplete={autocomplete}
        required={required}
        minLength={minLength}
        maxLength={maxLength}
        defaultValue={defaultValue}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy}
      />
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
