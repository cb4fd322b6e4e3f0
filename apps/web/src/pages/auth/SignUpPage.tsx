import { useState } from 'react';
import { Field, ProblemAlert, fieldErrors } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { Link, navigate } from '../../lib/router';
import { AuthCard, useSubmit } from './AuthCard';

export function SignUpPage() {
  const { signUp } = useAuth();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, submit } = useSubmit(async () => {
    await signUp(email, password, displayName);
    navigate('/documents', { replace: true });
  });
  const fields = fieldErrors(error);
  return (
    <AuthCard title="Create your account">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <ProblemAlert error={error} />
        <Field
          label="Name"
          autoComplete="name"
          required
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          error={fields.displayName}
        />
        <Field
          label="E-mail"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fields.email}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 15 characters; a few unrelated words work well."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fields.password ?? fields.newPassword}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </AuthCard>
  );
}
