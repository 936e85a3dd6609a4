import { useState } from 'preact/hooks';
import { login, logoutReason } from '../api';
import { Logo } from '../components/layout';

export function Login() {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(logoutReason);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(user, password);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      setError(/login failed/i.test(reason) ? 'Login failed: wrong username or password.' : reason);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login-page">
      <form class="login card" onSubmit={submit} data-testid="login-form">
        <div class="login-brand"><Logo /><h1>Warren</h1></div>
        <p class="muted">Management console</p>
        <label class="field">
          <span class="field-label">Username</span>
          <input type="text" name="username" autocomplete="username" autoFocus value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span class="field-label">Password</span>
          <input type="password" name="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error && <div class="form-error" role="alert" data-testid="login-error">{error}</div>}
        <button type="submit" class="btn primary wide" disabled={busy || user === ''}>{busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    </div>
  );
}
