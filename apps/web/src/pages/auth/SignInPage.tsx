import { useState } from 'react';
import { EmailField, PasswordField, fieldErrors } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { Link, navigate, useLocation } from '../../lib/router';
import { AuthCard, AuthForm, useSubmit } from './AuthCard';

export function SignInPage() {
  const { signIn } = useAuth();
  const { query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useSubmit(async () => {
    await signIn(email, password);
    navigate(query.get('next') ?? '/documents', { replace: true });
  });
  const fields = fieldErrors(form.error);
  return (
    <AuthCard title="Sign in">
      {query.get('ended') ? (
        <div role="alert" className="alert alert-info">
          Your session has ended. Please sign in again.
        </div>
      ) : null}
      {query.get('reset') ? (
        <div role="status" className="alert alert-success">
          Your password was changed. Sign in with the new one.
        </div>
      ) : null}
      <AuthForm {...form} label="Sign in" busyLabel="Signing in…">
        <EmailField
          autoComplete="username"
          required
          value={email}
          onValue={setEmail}
          error={fields.email}
        />
        <PasswordField
          label="Password"
          kind="current"
          required
          value={password}
          onValue={setPassword}
          error={fields.password}
        />
      </AuthForm>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link to="/sign-up">Create an account</Link>
      </p>
    </AuthCard>
  );
}
