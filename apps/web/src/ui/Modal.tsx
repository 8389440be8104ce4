import { useEffect, type ReactNode } from "react";
import { app, useApp } from "../app/appStore";

export function Modal({
  title,
  subtitle,
  onClose,
  children,
  footer,
  size,
  testId,
}: {
  title: string;
  subtitle?: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  size?: "wide" | "narrow";
  testId?: string;
}) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal ${size ?? ""}`} role="dialog" aria-label={title} data-testid={testId}>
        <div className="modal-head">
          <div>
            <h2>{title}</h2>
            {subtitle && <p>{subtitle}</p>}
          </div>
          <button type="button" className="btn ghost small" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        <div className="modal-body">{children}</div>
        {footer && <div className="modal-foot">{footer}</div>}
      </div>
    </div>
  );
}

export function ConfirmDialog() {
  const req = useApp((s) => s.confirmRequest);
  if (!req) return null;
  const answer = (ok: boolean) => {
    app.set({ confirmRequest: null });
    req.resolve(ok);
  };
  return (
    <Modal
      title={req.title}
      onClose={() => answer(false)}
      size="narrow"
      testId="confirm-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={() => answer(false)} data-testid="confirm-cancel">
            Keep editing
          </button>
          <button type="button" className={`btn ${req.danger ? "danger" : "primary"}`} onClick={() => answer(true)} data-testid="confirm-ok" autoFocus>
            {req.confirm}
          </button>
        </>
      }
    >
      <p style={{ margin: 0 }}>{req.message}</p>
    </Modal>
  );
}

export function Toast() {
  const toast = useApp((s) => s.toast);
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => app.set({ toast: null }), toast.error ? 8000 : 3500);
    return () => clearTimeout(t);
  }, [toast]);
  if (!toast) return null;
  return (
    <div className={`toast ${toast.error ? "error" : ""}`} role={toast.error ? "alert" : "status"} data-testid="toast">
      {toast.text}
    </div>
  );
}
