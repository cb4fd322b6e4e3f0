import { type FormEvent, type ReactNode, useState } from 'react';

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
