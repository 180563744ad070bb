// A modal confirmation: focus starts on the safe choice (cancel), Tab stays inside, Escape cancels, and the
// focus goes back to the button that opened it.
import { useEffect, useId, useRef } from "react";

interface ConfirmDialogProps {
  title: string;
  text: string;
  confirmLabel: string;
  cancelLabel: string;
  busy: boolean;
  error?: string | null | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { title, text, confirmLabel, cancelLabel, busy, error, onConfirm, onCancel } = props;
  const titleId = useId();
  const textId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    cancelRef.current?.focus();
    return () => opener?.focus();
  }, []);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.key === "Escape") {
        event.preventDefault();
        onCancel();
      } else if (event.key === "Tab") {
        const order = [cancelRef.current, confirmRef.current].filter(
          (button): button is HTMLButtonElement => button !== null && !button.disabled,
        );
        const at = order.indexOf(document.activeElement as HTMLButtonElement);
        const next = order[(at + (event.shiftKey ? order.length - 1 : 1)) % order.length];
        event.preventDefault();
        next?.focus();
      }
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [onCancel]);

  return (
    <div className="overlay">
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={textId}
        className="dialog"
      >
        <h2 id={titleId}>{title}</h2>
        <p id={textId}>{text}</p>
        {error && (
          <p role="alert" className="banner banner-error">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button ref={cancelRef} type="button" className="button" onClick={onCancel} disabled={busy}>
            {cancelLabel}
          </button>
          <button
            ref={confirmRef}
            type="button"
            className="button button-danger"
            onClick={onConfirm}
            disabled={busy}
            aria-busy={busy}
          >
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
