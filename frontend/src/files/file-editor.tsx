import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, HighlightStyle, indentOnInput, type LanguageSupport, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, type Text } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import type { Ref } from "preact";
import { useEffect, useImperativeHandle, useRef } from "preact/hooks";
import type { EditorLanguage } from "./file-kinds.ts";

/**
 * The text editor of the Files tab (CodeMirror 6), its own chunk: file-view.tsx imports it only
 * when a text file is opened, and each language mode is a further chunk fetched on its first use.
 * Tab is left to move focus (no Tab-to-indent trap for keyboard users): Ctrl+] and Ctrl+[ indent.
 */

export interface EditorHandle {
  text(): string;
  /** Replaces the content (another version read from the machine), which becomes the saved one. */
  reset(text: string): void;
  /** The content `text` is what the machine now has (a save went through). */
  markSaved(text: string): void;
  focus(): void;
}

interface FileEditorProps {
  initial: string;
  language: EditorLanguage | null;
  readOnly: boolean;
  /** The editable area's accessible name ("Contents of app.ts"). */
  label: string;
  onDirtyChange: (dirty: boolean) => void;
  /** Ctrl+S / Cmd+S inside the editor. */
  onSave: () => void;
  handle: Ref<EditorHandle>;
}

const loaders: Record<EditorLanguage, () => Promise<LanguageSupport>> = {
  javascript: () => import("@codemirror/lang-javascript").then((m) => m.javascript()),
  jsx: () => import("@codemirror/lang-javascript").then((m) => m.javascript({ jsx: true })),
  typescript: () => import("@codemirror/lang-javascript").then((m) => m.javascript({ typescript: true })),
  tsx: () => import("@codemirror/lang-javascript").then((m) => m.javascript({ typescript: true, jsx: true })),
  json: () => import("@codemirror/lang-json").then((m) => m.json()),
  python: () => import("@codemirror/lang-python").then((m) => m.python()),
  markdown: () => import("@codemirror/lang-markdown").then((m) => m.markdown()),
  css: () => import("@codemirror/lang-css").then((m) => m.css()),
  html: () => import("@codemirror/lang-html").then((m) => m.html()),
  yaml: () => import("@codemirror/lang-yaml").then((m) => m.yaml()),
};

// The dashboard's own colours (styles.css): light and dark follow prefers-color-scheme by themselves.
const theme = EditorView.theme({
  "&": { color: "var(--text)", backgroundColor: "var(--surface)", border: "1px solid var(--border)", borderRadius: "6px", fontSize: "0.9rem" },
  "&.cm-focused": { outline: "3px solid var(--focus)", outlineOffset: "2px" },
  ".cm-scroller": { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace', lineHeight: "1.45" },
  ".cm-content": { caretColor: "var(--text)", padding: "0.4rem 0" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  ".cm-gutters": { backgroundColor: "var(--bg)", color: "var(--muted)", borderRight: "1px solid var(--border)", borderRadius: "6px 0 0 6px" },
  ".cm-activeLine": { backgroundColor: "var(--cm-active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--cm-active-line)", color: "var(--text)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection": { backgroundColor: "var(--cm-selection)" },
  ".cm-matchingBracket, &.cm-focused .cm-matchingBracket": { backgroundColor: "var(--cm-selection)", outline: "1px solid var(--muted)" },
});

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.modifier, t.controlKeyword, t.operatorKeyword], color: "var(--cm-keyword)" },
  { tag: [t.string, t.special(t.string), t.regexp], color: "var(--cm-string)" },
  { tag: [t.comment, t.meta], color: "var(--muted)", fontStyle: "italic" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--cm-number)" },
  { tag: [t.typeName, t.className, t.namespace], color: "var(--cm-type)" },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.definition(t.variableName)], color: "var(--cm-function)" },
  { tag: [t.propertyName, t.attributeName], color: "var(--cm-property)" },
  { tag: [t.tagName, t.heading], color: "var(--cm-keyword)", fontWeight: "bold" },
  { tag: t.link, color: "var(--accent)", textDecoration: "underline" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.invalid, color: "var(--danger)" },
]);

export function FileEditor({ initial, language, readOnly, label, onDirtyChange, onSave, handle }: FileEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const saved = useRef<Text | null>(null);
  const dirty = useRef(false);
  // The latest callbacks, read by the editor's listeners (created once).
  const props = useRef({ onDirtyChange, onSave });
  props.current = { onDirtyChange, onSave };

  const setDirty = (d: boolean) => {
    if (d === dirty.current) return;
    dirty.current = d;
    props.current.onDirtyChange(d);
  };

  useEffect(() => {
    const languageSlot = new Compartment();
    const state = EditorState.create({
      doc: initial,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(highlight),
        theme,
        languageSlot.of([]),
        keymap.of([{ key: "Mod-s", preventDefault: true, stopPropagation: true, run: () => (props.current.onSave(), true) }, ...defaultKeymap, ...historyKeymap]),
        EditorState.readOnly.of(readOnly),
        EditorView.contentAttributes.of({ "aria-label": label, ...(readOnly ? { "aria-readonly": "true" } : {}) }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && saved.current) setDirty(!u.state.doc.eq(saved.current));
        }),
      ],
    });
    saved.current = state.doc;
    const v = new EditorView({ state, parent: host.current! });
    view.current = v;
    let gone = false;
    if (language)
      loaders[language]().then(
        (support) => !gone && v.dispatch({ effects: languageSlot.reconfigure(support) }),
        // Without its mode the file is still edited, as plain text.
        (e: unknown) => console.warn(`the ${language} mode did not load`, e),
      );
    return () => {
      gone = true;
      v.destroy();
      view.current = null;
    };
  }, []);

  useImperativeHandle(handle, () => ({
    text: () => view.current?.state.doc.toString() ?? initial,
    reset(text) {
      const v = view.current;
      if (!v) return;
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
      saved.current = v.state.doc;
      setDirty(false);
    },
    markSaved(text) {
      const v = view.current;
      if (!v) return;
      saved.current = v.state.sliceDoc() === text ? v.state.doc : v.state.toText(text);
      setDirty(!v.state.doc.eq(saved.current));
    },
    focus: () => view.current?.focus(),
  }));

  return <div class="file-editor" ref={host} />;
}
