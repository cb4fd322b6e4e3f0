import { type FormEvent, type ReactNode, useState } from 'react';
import { ProblemAlert } from '../../components/ui';

/** The frame of the signed-out pages: the brand and the page's heading. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth-card">
      <p className="brand" aria-hidden="true">
        Docent
      </p>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

/** A form's submit handler: `busy` while the action runs, its error kept for the form to show. */
export function useSubmit(action: () => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

/**
 * A signed-out page's form: the problem's message above the fields, the submit button below,
 * labelled `busyLabel` while the action runs. Pair it with useSubmit.
 */
export function AuthForm({
  submit,
  error,
  busy,
  label,
  busyLabel,
  children,
}: ReturnType<typeof useSubmit> & { label: string; busyLabel: string; children: ReactNode }) {
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <ProblemAlert error={error} />
      {children}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </form>
  );
}
