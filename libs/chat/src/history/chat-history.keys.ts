/*
 * The Redis layout of chat history (every name below gets REDIS_KEY_PREFIX in front from the
 * ioredis client; the prefix must not contain `{` or the hash tags below would not be the first):
 *
 *   chat:{<sessionId>}:meta       hash  id, userId, title (sealed), documentIds (JSON or "null"),
 *                                       createdAt, lastActivityAt, messageCount
 *   chat:{<sessionId>}:messages   list  "<messageId>|<sealed JSON>", oldest first, LTRIM-capped
 *   chat:user:{<userId>}:sessions zset  member sessionId, score lastActivityAt (epoch ms)
 *
 * The two keys of a session share the hash tag `{<sessionId>}` (one Redis Cluster slot), so
 * every multi-key command and script touches one slot. The per-user index has its own tag and is
 * always written by a separate command (see ChatHistoryRepository).
 */

export const metaKey = (sessionId: string): string => `chat:{${sessionId}}:meta`;
export const messagesKey = (sessionId: string): string => `chat:{${sessionId}}:messages`;
export const userIndexKey = (userId: string): string => `chat:user:{${userId}}:sessions`;

/** SCAN pattern (without the client prefix) of every per-user index. */
export const USER_INDEX_PATTERN = 'chat:user:{*}:sessions';

/** Separates a message id (plaintext, for paging) from its sealed record in a list element. */
export const ELEMENT_SEPARATOR = '|';

/** Associated data of a sealed message: it cannot be moved to another session or message. */
export const messageAad = (sessionId: string, messageId: string): string =>
  `docent:chat:${sessionId}:message:${messageId}`;

/** Associated data of a sealed session title. */
export const titleAad = (sessionId: string): string => `docent:chat:${sessionId}:title`;
