import {
  type FormEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';
import { api } from '../../api/client';
import { askStreaming } from '../../api/sse';
import type { ChatMessageDto, ChatMessagePageDto, ChatSessionDto } from '../../api/openapi.gen';
import { Empty, ProblemAlert, Skeleton } from '../../components/ui';
import { useDownload } from '../../lib/useDownload';
import { MessageView } from './MessageView';

interface PendingAnswer {
  question: string;
  text: string;
}

export function Conversation({
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
  const download = useDownload();
  const [messages, setMessages] = useState<ChatMessageDto[] | null>(null);
  const [older, setOlder] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [pending, setPending] = useState<PendingAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const end = useRef<HTMLDivElement>(null);

  const loadPage = useCallback(
    async (before?: string) => {
      const page = await api.get<ChatMessagePageDto>(`/chat/sessions/${chat.id}/messages`, {
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
    download(
      `/chat/sessions/${chat.id}/export?format=${format}`,
      `chat-${chat.id}.${format === 'json' ? 'json' : 'md'}`,
      'Export failed',
    );

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
          <Skeleton label="Loading messages…" rows={2} />
        ) : messages.length === 0 && !pending ? (
          <Empty hint="Type it below and press Ask: the answer cites the passages it comes from, and a citation opens the passage.">
            Ask a question about your documents.
          </Empty>
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
