import { useState } from 'react';
import { authApi } from '../../api/auth-api';
import { Field, ProblemAlert, fieldErrors } from '../../components/ui';
import { Link, navigate, useLocation } from '../../lib/router';
import { AuthCard, useSubmit } from './AuthCard';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { error, busy, submit } = useSubmit(async () => {
    await authApi.forgot(email);
    setSent(true);
  });
  const fields = fieldErrors(error);
  return (
    <AuthCard title="Reset your password">
      {sent ? (
        <div role="status" className="alert alert-success">
          If an account exists for {email}, we sent it a link to choose a new password. The link
          works once and expires soon.
        </div>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <ProblemAlert error={error} />
          <Field
            label="E-mail"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fields.email}
          />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Sending…' : 'Send reset link'}
          </button>
        </form>
      )}
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}

/** The page the reset mail links to: `${PUBLIC_APP_URL}/reset-password?token=…`. */
export function ResetPasswordPage() {
  const { query } = useLocation();
  const token = query.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const { error, busy, submit } = useSubmit(async () => {
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    await authApi.reset(token, password);
    navigate('/sign-in?reset=1', { replace: true });
  });
  const fields = fieldErrors(error);
  if (!token) {
    return (
      <AuthCard title="Choose a new password">
        <div role="alert" className="alert alert-error">
          This link has no reset token. Ask for a new link.
        </div>
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ProblemAlert error={error} />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 15 characters. Every session of your account will be signed out."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fields.newPassword ?? fields.password}
        />
        <Field
          label="Repeat new password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={mismatch ? 'The two passwords differ.' : undefined}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Set new password'}
        </button>
      </form>
      {error ? (
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      ) : null}
    </AuthCard>
  );
}
