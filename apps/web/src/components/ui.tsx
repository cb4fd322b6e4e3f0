import {
  type InputHTMLAttributes,
  type ReactNode,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { ApiError, messageOf } from '../api/errors';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="spinner" role="status" aria-live="polite">
      <span className="spinner-dot" aria-hidden="true" />
      {label}
    </div>
  );
}

/**
 * Grey placeholder rows where a list is about to appear. The region is `aria-busy` and says what is
 * loading to screen readers (the bars themselves are hidden from them).
 */
export function Skeleton({ label = 'Loading…', rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div className="skeleton-wrap" role="status" aria-busy="true" data-testid="skeleton">
      <span className="visually-hidden">{label}</span>
      <ul className="skeleton" aria-hidden="true">
        {Array.from({ length: rows }, (_, index) => (
          <li key={index} />
        ))}
      </ul>
    </div>
  );
}

/** An empty list: what is (not) there, and `hint`, what to do next. */
export function Empty({ children, hint }: { children: ReactNode; hint?: ReactNode }) {
  return (
    <div className="empty">
      {hint ? <strong>{children}</strong> : children}
      {hint ? <span>{hint}</span> : null}
    </div>
  );
}

/**
 * A table's column headers; `actions` adds the last column of row buttons, named for screen readers
 * only. Every list page uses it, so the markup (scope, hidden label) is written once.
 */
export function TableHead({ columns, actions }: { columns: string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th scope="col" key={column}>
            {column}
          </th>
        ))}
        {actions ? (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        ) : null}
      </tr>
    </thead>
  );
}

/**
 * A loaded list's states: its load error (above whatever was loaded before), placeholder rows until
 * the first load answers, the empty message (and `emptyHint`, what to do next), else `children`
 * with the items.
 */
export function ListState<T>({
  error,
  items,
  loading,
  empty,
  emptyHint,
  children,
}: {
  error?: unknown;
  items: T[] | null;
  loading?: string;
  empty: ReactNode;
  emptyHint?: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <>
      {error ? <ProblemAlert error={error} /> : null}
      {items === null ? (
        <Skeleton label={loading} />
      ) : items.length === 0 ? (
        <Empty hint={emptyHint}>{empty}</Empty>
      ) : (
        children(items)
      )}
    </>
  );
}

/** The next page of a cursor-paginated list (usePagedList); nothing on the last page. */
export function LoadMore({
  cursor,
  load,
}: {
  cursor: string | null;
  load: (after: string) => Promise<void>;
}) {
  return cursor ? (
    <button type="button" onClick={() => void load(cursor)}>
      Load more
    </button>
  ) : null;
}

/** A labelled input with its field error (from problem details) right under it. */
export function Field({
  label,
  error,
  hint,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: string }) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

type FieldProps = Parameters<typeof Field>[0];
/** A Field that hands its text to `onValue` (the forms keep each field in a useState). */
type TextFieldProps = Omit<FieldProps, 'type' | 'onChange' | 'label'> & {
  onValue: (value: string) => void;
};

/** The e-mail input; `autoComplete="username"` where it names an existing account (sign-in). */
export function EmailField({ onValue, autoComplete = 'email', ...field }: TextFieldProps) {
  return (
    <Field
      label="E-mail"
      type="email"
      autoComplete={autoComplete}
      onChange={(e) => onValue(e.target.value)}
      {...field}
    />
  );
}

/**
 * A password input. `kind` picks the autocomplete token: `current` lets the browser fill the saved
 * password, `new` lets it offer to generate and save one.
 */
export function PasswordField({
  kind,
  onValue,
  ...field
}: TextFieldProps & { kind: 'current' | 'new'; label: string }) {
  return (
    <Field
      type="password"
      autoComplete={`${kind}-password`}
      onChange={(e) => onValue(e.target.value)}
      {...field}
    />
  );
}

/** A search box labelled for screen readers only: the placeholder says what it searches. */
export function SearchInput({
  label,
  onValue,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; onValue: (value: string) => void }) {
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input id={id} type="search" onChange={(e) => onValue(e.target.value)} {...input} />
    </>
  );
}

/** The form-level message of a problem (its detail), when it is not only about fields. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const fieldOnly = error instanceof ApiError && (error.problem.errors?.length ?? 0) > 0;
  return (
    <div role="alert" className="alert alert-error">
      {fieldOnly ? 'Please correct the highlighted fields.' : messageOf(error)}
    </div>
  );
}

export function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError ? error.fields : {};
}

/** A modal dialog (native <dialog>: focus trap, Escape closes). */
export function Dialog({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <h2 id={titleId}>{title}</h2>
      {open ? children : null}
    </dialog>
  );
}

/** "Are you sure?" with an explicit confirm button. */
export function useConfirm() {
  const [state, setState] = useState<{
    title: string;
    body: string;
    confirm: string;
    resolve: (ok: boolean) => void;
  } | null>(null);
  const ask = (title: string, body: string, confirm = 'Delete') =>
    new Promise<boolean>((resolve) => setState({ title, body, confirm, resolve }));
  const close = (ok: boolean) => {
    state?.resolve(ok);
    setState(null);
  };
  const element = (
    <Dialog title={state?.title ?? ''} open={state !== null} onClose={() => close(false)}>
      <p>{state?.body}</p>
      <div className="actions">
        <button type="button" onClick={() => close(false)}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => close(true)}>
          {state?.confirm}
        </button>
      </div>
    </Dialog>
  );
  return { ask, element };
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  return (
    <progress className="bar" max={100} value={Math.round(value)} aria-label={label}>
      {Math.round(value)}%
    </progress>
  );
}

/**
 * A box that scrolls sideways when its table is wider than the screen: focusable and named, so
 * keyboard users can scroll it too (axe `scrollable-region-focusable`).
 */
export function ScrollBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="scroll-x" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
