import { useState } from 'react';
import { authApi } from '../../api/auth-api';
import { EmailField, PasswordField, fieldErrors } from '../../components/ui';
import { Link, navigate, useLocation } from '../../lib/router';
import { AuthCard, AuthForm, useSubmit } from './AuthCard';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const form = useSubmit(async () => {
    await authApi.forgot(email);
    setSent(true);
  });
  const fields = fieldErrors(form.error);
  return (
    <AuthCard title="Reset your password">
      {sent ? (
        <div role="status" className="alert alert-success">
          If an account exists for {email}, we sent it a link to choose a new password. The link
          works once and expires soon.
        </div>
      ) : (
        <AuthForm {...form} label="Send reset link" busyLabel="Sending…">
          <EmailField required value={email} onValue={setEmail} error={fields.email} />
        </AuthForm>
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
  const form = useSubmit(async () => {
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    await authApi.reset(token, password);
    navigate('/sign-in?reset=1', { replace: true });
  });
  const fields = fieldErrors(form.error);
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
      <AuthForm {...form} label="Set new password" busyLabel="Saving…">
        <PasswordField
          label="New password"
          kind="new"
          required
          hint="At least 15 characters. Every session of your account will be signed out."
          value={password}
          onValue={setPassword}
          error={fields.newPassword ?? fields.password}
        />
        <PasswordField
          label="Repeat new password"
          kind="new"
          required
          value={confirm}
          onValue={setConfirm}
          error={mismatch ? 'The two passwords differ.' : undefined}
        />
      </AuthForm>
      {form.error ? (
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      ) : null}
    </AuthCard>
  );
}
