import type { ScriptInterpreter } from "@anchorage/common";
import type { Ref } from "preact";
import { useEffect, useImperativeHandle, useRef, useState } from "preact/hooks";
import type { EditorHandle, FileEditor } from "../files/file-editor.tsx";
import { languageFor } from "./scripts-api.ts";

interface ScriptBodyEditorProps {
  /** The saved body (what "unsaved changes" compares with). */
  initial: string;
  interpreter: ScriptInterpreter;
  readOnly?: boolean;
  label: string;
  onDirtyChange?: (dirty: boolean) => void;
  onSave?: () => void;
  handle: Ref<EditorHandle>;
}

/**
 * A script's body in the Files tab's editor (CodeMirror 6, its own chunk, fetched on first use);
 * Python highlighted, the shells as plain text. The editor takes its mode when it is made, so a
 * change of interpreter makes it again in the new mode, carrying the text as typed.
 */
export function ScriptBodyEditor({ initial, interpreter, readOnly = false, label, onDirtyChange = () => {}, onSave = () => {}, handle }: ScriptBodyEditorProps) {
  const [Editor, setEditor] = useState<typeof FileEditor | null>(null);
  const [failed, setFailed] = useState(false);
  const inner = useRef<EditorHandle>(null);
  const language = languageFor(interpreter);
  const shown = useRef({ language, text: initial, remade: false });
  if (shown.current.language !== language) shown.current = { language, text: inner.current?.text() ?? shown.current.text, remade: true };

  useImperativeHandle(handle, () => ({
    text: () => inner.current?.text() ?? shown.current.text,
    reset: (text) => inner.current?.reset(text),
    markSaved: (text) => inner.current?.markSaved(text),
    focus: () => inner.current?.focus(),
  }));
  useEffect(() => {
    let gone = false;
    import("../files/file-editor.tsx").then(
      (m) => !gone && setEditor(() => m.FileEditor),
      () => !gone && setFailed(true),
    );
    return () => {
      gone = true;
    };
  }, []);
  // Made again in another mode: its changes are still measured against the saved body.
  useEffect(() => {
    if (shown.current.remade) inner.current?.markSaved(initial);
  }, [language]);

  if (failed) return <p class="bad">The editor did not load. Reload the page to try again.</p>;
  if (!Editor) return <p class="muted">Loading the editor…</p>;
  return <Editor key={language ?? "plain"} initial={shown.current.text} language={language} readOnly={readOnly} label={label} onDirtyChange={onDirtyChange} onSave={onSave} handle={inner} />;
}
