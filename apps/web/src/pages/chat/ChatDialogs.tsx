import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../../api/client';
import type { ChatSessionDto, DocumentDto, DocumentPageDto } from '../../api/openapi.gen';
import { Dialog, Field, ListState, ProblemAlert, fieldErrors } from '../../components/ui';

export function NewChatDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (chat: ChatSessionDto) => void;
}) {
  const [title, setTitle] = useState('');
  const [docs, setDocs] = useState<DocumentDto[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!open) return;
    setTitle('');
    setChosen(new Set());
    setError(null);
    setDocs(null);
    api
      .get<DocumentPageDto>('/documents', { status: 'completed', limit: 100 })
      .then((page) => setDocs(page.items))
      .catch(() => setDocs([]));
  }, [open]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const chat = await api.post<ChatSessionDto>('/chat/sessions', {
        title: title.trim() || undefined,
        documentIds: chosen.size > 0 ? [...chosen] : undefined,
      });
      onCreated(chat);
    } catch (e) {
      setError(e);
    }
  };

  const fields = fieldErrors(error);
  return (
    <Dialog title="New chat" open={open} onClose={onClose}>
      <form onSubmit={(e) => void create(e)} noValidate>
        <ProblemAlert error={error} />
        <Field
          label="Title (optional)"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          error={fields.title}
        />
        <fieldset>
          <legend>Limit to these documents (optional)</legend>
          <ListState items={docs} empty="No ingested documents yet.">
            {(docs) => (
              <ul className="checklist">
                {docs.map((doc) => (
                  <li key={doc.id}>
                    <label>
                      <input
                        type="checkbox"
                        checked={chosen.has(doc.id)}
                        onChange={(e) => {
                          const next = new Set(chosen);
                          if (e.target.checked) next.add(doc.id);
                          else next.delete(doc.id);
                          setChosen(next);
                        }}
                      />{' '}
                      {doc.filename}
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </ListState>
          {fields.documentIds ? <small className="field-error">{fields.documentIds}</small> : null}
        </fieldset>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Start chat
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function RenameDialog({
  chat,
  onClose,
  onRenamed,
}: {
  chat: ChatSessionDto | null;
  onClose: () => void;
  onRenamed: (chat: ChatSessionDto) => void;
}) {
  const [title, setTitle] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setTitle(chat?.title ?? '');
    setError(null);
  }, [chat]);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!chat) return;
    try {
      onRenamed(await api.patch<ChatSessionDto>(`/chat/sessions/${chat.id}`, { title }));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Dialog title="Rename chat" open={chat !== null} onClose={onClose}>
      <form onSubmit={(e) => void save(e)} noValidate>
        <ProblemAlert error={error} />
        <Field
          label="Title"
          required
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          error={fieldErrors(error).title}
        />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
