import { useState } from 'react';
import { Field, ProblemAlert, fieldErrors } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { Link, navigate, useLocation } from '../../lib/router';
import { AuthCard, useSubmit } from './AuthCard';

export function SignInPage() {
  const { signIn } = useAuth();
  const { query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, submit } = useSubmit(async () => {
    await signIn(email, password);
    navigate(query.get('next') ?? '/documents', { replace: true });
  });
  const fields = fieldErrors(error);
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
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ProblemAlert error={error} />
        <Field
          label="E-mail"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fields.email}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fields.password}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link to="/sign-up">Create an account</Link>
      </p>
    </AuthCard>
  );
}
