import type { Citation } from '../chat.contracts';

/** A session as stored (title decrypted). */
export interface ChatSessionRecord {
  id: string;
  userId: string;
  title: string;
  /** Retrieval is limited to these documents; null = every document the owner can read. */
  documentIds: string[] | null;
  createdAt: string;
  lastActivityAt: string;
  /** Messages kept (at most CHAT_MAX_MESSAGES). */
  messageCount: number;
}

export interface ChatMessageRecord {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[];
  createdAt: string;
}

/** Where the per-user list continues: the index score and id of the last session returned. */
export interface SessionPosition {
  at: number;
  id: string;
}

export interface MessagePage {
  /** Oldest first. */
  items: ChatMessageRecord[];
  /** Whether older messages exist before `items[0]`. */
  hasMore: boolean;
}
