import {
  type FormEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';
import { api, download, messageOf } from '../api/client';
import { askStreaming } from '../api/sse';
import type { ChatMessageDto, ChatSessionDto, CitationDto, DocumentDto } from '../api/openapi.gen';
import type { Page } from '../api/extra-types';
import {
  Dialog,
  Empty,
  Field,
  ProblemAlert,
  Spinner,
  fieldErrors,
  useConfirm,
} from '../components/ui';
import { relativeTime } from '../lib/format';
import { navigate, useLocation } from '../lib/router';
import { useToasts } from '../lib/toasts';

interface PendingAnswer {
  question: string;
  text: string;
}

export function ChatPage() {
  const { path } = useLocation();
  const selectedId = path.startsWith('/chat/') ? path.slice('/chat/'.length) : null;
  const toasts = useToasts();
  const [sessions, setSessions] = useState<ChatSessionDto[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<ChatSessionDto | null>(null);
  const confirm = useConfirm();

  const loadSessions = useCallback(async () => {
    try {
      const page = await api.get<Page<ChatSessionDto>>('/chat/sessions', { limit: 100 });
      setSessions(page.items);
    } catch (e) {
      setError(e);
      setSessions((current) => current ?? []);
    }
  }, []);

  useEffect(() => {
    void loadSessions();
  }, [loadSessions]);

  const selected = sessions?.find((s) => s.id === selectedId) ?? null;

  const remove = async (chat: ChatSessionDto) => {
    if (
      !(await confirm.ask(
        `Delete “${chat.title}”?`,
        'The conversation and its messages are removed.',
      ))
    )
      return;
    try {
      await api.del(`/chat/sessions/${chat.id}`);
      setSessions((current) => current?.filter((s) => s.id !== chat.id) ?? current);
      if (selectedId === chat.id) navigate('/chat');
    } catch (e) {
      toasts.show({ tone: 'error', title: 'Could not delete the chat', body: messageOf(e) });
    }
  };

  const touched = (chat: ChatSessionDto) =>
    setSessions((current) => [chat, ...(current ?? []).filter((s) => s.id !== chat.id)]);

  return (
    <div className="page chat-layout">
      <aside className="chat-sessions" aria-label="Conversations">
        <div className="chat-sessions-header">
          <h1>Chat</h1>
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New chat
          </button>
        </div>
        {error ? <ProblemAlert error={error} /> : null}
        {sessions === null ? (
          <Spinner label="Loading conversations…" />
        ) : sessions.length === 0 ? (
          <Empty>No conversations yet.</Empty>
        ) : (
          <ul>
            {sessions.map((chat) => (
              <li key={chat.id} className={chat.id === selectedId ? 'selected' : undefined}>
                <a
                  href={`/chat/${chat.id}`}
                  aria-current={chat.id === selectedId ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/chat/${chat.id}`);
                  }}
                >
                  <span>{chat.title}</span>
                  <small className="muted">{relativeTime(chat.lastActivityAt)}</small>
                </a>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <section className="chat-main" aria-label="Conversation">
        {selected ? (
          <Conversation
            key={selected.id}
            chat={selected}
            onActivity={touched}
            onRename={() => setRenaming(selected)}
            onDelete={() => void remove(selected)}
          />
        ) : sessions !== null ? (
          <Empty>Pick a conversation, or start a new chat.</Empty>
        ) : null}
      </section>
      <NewChatDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(chat) => {
          setCreating(false);
          touched(chat);
          navigate(`/chat/${chat.id}`);
        }}
      />
      <RenameDialog
        chat={renaming}
        onClose={() => setRenaming(null)}
        onRenamed={(chat) => {
          setRenaming(null);
          setSessions((current) => current?.map((s) => (s.id === chat.id ? chat : s)) ?? current);
        }}
      />
      {confirm.element}
    </div>
  );
}

/** A source of an answer: shows the cited passage on hover, downloads the file on click. */
function CitationChip({ citation }: { citation: CitationDto }) {
  const toasts = useToasts();
  const label = citation.page ? `${citation.filename}, p. ${citation.page}` : citation.filename;
  return (
    <button
      type="button"
      className="chip"
      title={citation.snippet}
      data-document-id={citation.documentId}
      onClick={() =>
        void download(`/documents/${citation.documentId}/content`, citation.filename).catch((e) =>
          toasts.show({ tone: 'error', title: 'Could not download', body: messageOf(e) }),
        )
      }
    >
      {label}
    </button>
  );
}

function MessageView({ message }: { message: ChatMessageDto }) {
  return (
    <article
      className={`message message-${message.role}`}
      aria-label={message.role === 'user' ? 'Question' : 'Answer'}
    >
      <p className="message-content">{message.content}</p>
      {message.citations.length > 0 ? (
        <div className="citations" aria-label="Sources">
          {message.citations.map((citation) => (
            <CitationChip key={citation.chunkId} citation={citation} />
          ))}
        </div>
      ) : null}
    </article>
  );
}

function Conversation({
  chat,
  onActivity,
  onRename,
  onDelete,
}: {
  chat: ChatSessionDto;
  onActivity: (chat: ChatSessionDto) => void;
  onRename: () => void;
  onDelete: () => void;
}) {
  const toasts = useToasts();
  const [messages, setMessages] = useState<ChatMessageDto[] | null>(null);
  const [older, setOlder] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [pending, setPending] = useState<PendingAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const end = useRef<HTMLDivElement>(null);

  const loadPage = useCallback(
    async (before?: string) => {
      const page = await api.get<Page<ChatMessageDto>>(`/chat/sessions/${chat.id}/messages`, {
        before,
        limit: 50,
      });
      // pages come newest first; show oldest first
      const chronological = [...page.items].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      setMessages((current) =>
        before && current ? [...chronological, ...current] : chronological,
      );
      setOlder(page.nextCursor);
    },
    [chat.id],
  );

  useEffect(() => {
    loadPage().catch((e: unknown) => {
      setError(e);
      setMessages([]);
    });
    return () => abort.current?.abort();
  }, [loadPage]);

  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [messages, pending?.text]);

  const ask = async (event?: FormEvent) => {
    event?.preventDefault();
    const question = draft.trim();
    if (!question || pending) return;
    setError(null);
    setPending({ question, text: '' });
    setDraft('');
    abort.current = new AbortController();
    try {
      const result = await askStreaming(
        chat.id,
        question,
        (text) =>
          setPending((current) => (current ? { ...current, text: current.text + text } : current)),
        abort.current.signal,
      );
      setMessages((current) => [...(current ?? []), result.userMessage, result.assistantMessage]);
      onActivity({
        ...chat,
        messageCount: chat.messageCount + 2,
        lastActivityAt: result.assistantMessage.createdAt,
      });
    } catch (e) {
      if ((e as Error).name !== 'AbortError') {
        setError(e);
        setDraft(question);
      }
    } finally {
      setPending(null);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void ask();
    }
  };

  const exportAs = (format: 'json' | 'markdown') =>
    void download(
      `/chat/sessions/${chat.id}/export?format=${format}`,
      `chat-${chat.id}.${format === 'json' ? 'json' : 'md'}`,
    ).catch((e) => toasts.show({ tone: 'error', title: 'Export failed', body: messageOf(e) }));

  return (
    <>
      <header className="page-header">
        <h2>{chat.title}</h2>
        <div className="row-actions">
          <button type="button" onClick={onRename}>
            Rename
          </button>
          <button type="button" onClick={() => exportAs('markdown')}>
            Export Markdown
          </button>
          <button type="button" onClick={() => exportAs('json')}>
            Export JSON
          </button>
          <button type="button" className="danger" onClick={onDelete}>
            Delete
          </button>
        </div>
      </header>
      {chat.documentIds && chat.documentIds.length > 0 ? (
        <p className="muted">Limited to {chat.documentIds.length} selected document(s).</p>
      ) : null}
      <div className="messages" aria-live="polite" aria-busy={pending !== null}>
        {older ? (
          <button type="button" className="link" onClick={() => void loadPage(older)}>
            Show older messages
          </button>
        ) : null}
        {messages === null ? (
          <Spinner label="Loading messages…" />
        ) : messages.length === 0 && !pending ? (
          <Empty>Ask a question about your documents.</Empty>
        ) : (
          messages.map((message) => <MessageView key={message.id} message={message} />)
        )}
        {pending ? (
          <>
            <article className="message message-user" aria-label="Question">
              <p className="message-content">{pending.question}</p>
            </article>
            <article
              className="message message-assistant streaming"
              aria-label="Answer"
              data-streaming="true"
            >
              <p className="message-content">{pending.text || '…'}</p>
            </article>
          </>
        ) : null}
        <div ref={end} />
      </div>
      {error ? <ProblemAlert error={error} /> : null}
      <form className="composer" onSubmit={(e) => void ask(e)}>
        <label htmlFor="question" className="visually-hidden">
          Your question
        </label>
        <textarea
          id="question"
          rows={2}
          placeholder="Ask about your documents… (Enter sends, Shift+Enter for a new line)"
          value={draft}
          maxLength={4000}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {pending ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={!draft.trim()}>
            Ask
          </button>
        )}
      </form>
    </>
  );
}

function NewChatDialog({
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
      .get<Page<DocumentDto>>('/documents', { status: 'completed', limit: 100 })
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
          {docs === null ? (
            <Spinner />
          ) : docs.length === 0 ? (
            <Empty>No ingested documents yet.</Empty>
          ) : (
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

function RenameDialog({
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
