import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { messageOf } from '../../api/errors';
import type { ChatSessionDto, ChatSessionPageDto } from '../../api/openapi.gen';
import { Empty, ListState, useConfirm } from '../../components/ui';
import { relativeTime } from '../../lib/format';
import { navigate, useLocation } from '../../lib/router';
import { useToasts } from '../../lib/toasts';
import { NewChatDialog, RenameDialog } from './ChatDialogs';
import { Conversation } from './Conversation';

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
      const page = await api.get<ChatSessionPageDto>('/chat/sessions', { limit: 100 });
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
        <ListState
          error={error}
          items={sessions}
          loading="Loading conversations…"
          empty="No conversations yet."
          emptyHint="Start one with New chat: ask about all your documents or a few of them."
        >
          {(sessions) => (
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
        </ListState>
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
