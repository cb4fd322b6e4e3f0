import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../../api/client';
import type { DocumentDto, ShareDto, ShareListDto, ShareRequestedDto } from '../../api/openapi.gen';
import { Dialog, Field, ListState, ProblemAlert, fieldErrors } from '../../components/ui';

export function ShareDialog({ doc, onClose }: { doc: DocumentDto | null; onClose: () => void }) {
  const [shares, setShares] = useState<ShareDto[] | null>(null);
  const [email, setEmail] = useState('');
  const [permission, setPermission] = useState<'read' | 'write'>('read');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!doc) return;
    setShares(null);
    setError(null);
    setNotice(null);
    setEmail('');
    api
      .get<ShareListDto>(`/documents/${doc.id}/shares`)
      .then((page) => setShares(page.items))
      .catch((e: unknown) => {
        setError(e);
        setShares([]);
      });
  }, [doc]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!doc) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      // the answer is the same whether or not the address has an account: the list says who
      // actually has access
      const sent = await api.post<ShareRequestedDto>(`/documents/${doc.id}/shares`, {
        email,
        permission,
      });
      setShares((await api.get<ShareListDto>(`/documents/${doc.id}/shares`)).items);
      setNotice(`If ${sent.email} has a Docent account, it now has access.`);
      setEmail('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (share: ShareDto) => {
    if (!doc) return;
    try {
      await api.del(`/documents/${doc.id}/shares/${share.userId}`);
      setShares((current) => current?.filter((s) => s.userId !== share.userId) ?? current);
    } catch (e) {
      setError(e);
    }
  };

  const fields = fieldErrors(error);
  return (
    <Dialog title={doc ? `Share ${doc.filename}` : 'Share'} open={doc !== null} onClose={onClose}>
      <form onSubmit={(e) => void add(e)} noValidate>
        <ProblemAlert error={error} />
        {notice ? (
          <div role="status" className="alert alert-success">
            {notice}
          </div>
        ) : null}
        <Field
          label="E-mail of the person"
          type="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fields.email}
        />
        <div className="field">
          <label htmlFor="share-permission">Permission</label>
          <select
            id="share-permission"
            value={permission}
            onChange={(e) => setPermission(e.target.value as 'read' | 'write')}
          >
            <option value="read">Can read</option>
            <option value="write">Can edit</option>
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Share
        </button>
      </form>
      <h3>People with access</h3>
      <ListState items={shares} empty="Not shared with anyone.">
        {(shares) => (
          <ul className="shares">
            {shares.map((share) => (
              <li key={share.userId}>
                <span>
                  {share.displayName} &lt;{share.email}&gt; — {share.permission}
                </span>
                <button
                  type="button"
                  onClick={() => void revoke(share)}
                  aria-label={`Stop sharing with ${share.email}`}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </ListState>
      <div className="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
