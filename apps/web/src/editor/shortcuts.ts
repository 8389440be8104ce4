import { useEffect } from "react";
import { editorStore, type EditorStore } from "./store";

function typingInto(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

/** Maps a key press to an editor action; pure so it can be tested without a browser. */
export function shortcutFor(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey">): ((s: EditorStore) => void) | null {
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key.toLowerCase();
  if (!mod && (e.key === "Delete" || e.key === "Backspace")) return (s) => s.deleteSelection();
  if (!mod) return null;
  if (k === "z" && !e.shiftKey) return (s) => s.undo();
  if ((k === "z" && e.shiftKey) || k === "y") return (s) => s.redo();
  if (k === "c") return (s) => s.copy();
  if (k === "v") return (s) => s.paste();
  if (k === "d") return (s) => s.duplicateSelection();
  if (k === "a") return (s) => s.selectAll();
  return null;
}

/** Editor keyboard shortcuts, active while `enabled` (the editor view is shown and no dialog is open). */
export function useEditorShortcuts(enabled: boolean) {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (typingInto(e.target)) return;
      const action = shortcutFor(e);
      if (!action) return;
      e.preventDefault();
      action(editorStore.getState());
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}

/** Warn before the tab closes while there are unsaved changes. */
export function useUnloadWarning(dirty: boolean) {
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);
}
