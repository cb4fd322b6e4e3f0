import { useState } from 'react';
import { EmailField, Field, PasswordField, fieldErrors } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { Link, navigate } from '../../lib/router';
import { AuthCard, AuthForm, useSubmit } from './AuthCard';

export function SignUpPage() {
  const { signUp } = useAuth();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const form = useSubmit(async () => {
    await signUp(email, password, displayName);
    navigate('/documents', { replace: true });
  });
  const fields = fieldErrors(form.error);
  return (
    <AuthCard title="Create your account">
      <AuthForm {...form} label="Create account" busyLabel="Creating…">
        <Field
          label="Name"
          autoComplete="name"
          required
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          error={fields.displayName}
        />
        <EmailField required value={email} onValue={setEmail} error={fields.email} />
        <PasswordField
          label="Password"
          kind="new"
          required
          hint="At least 15 characters; a few unrelated words work well."
          value={password}
          onValue={setPassword}
          error={fields.password ?? fields.newPassword}
        />
      </AuthForm>
      <p>
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </AuthCard>
  );
}
