import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ChatSettings } from '@docent/config';
import { Keyring } from '@docent/crypto';
import { REDIS_CLIENT, type RedisClient, scanKeys } from '@docent/redis';
import { ChatHistoryCodec } from './chat-history.codec';
import { messagesKey, metaKey, USER_INDEX_PATTERN, userIndexKey } from './chat-history.keys';
import type {
  ChatMessageRecord,
  ChatSessionRecord,
  MessagePage,
  SessionPosition,
} from './chat-history.records';
import { APPEND_SCRIPT, PAGE_SCRIPT, RENAME_SCRIPT } from './chat-history.scripts';

export type {
  ChatMessageRecord,
  ChatSessionRecord,
  MessagePage,
  SessionPosition,
} from './chat-history.records';

type ScriptClient = RedisClient & {
  docentChatAppend(meta: string, messages: string, ...args: (string | number)[]): Promise<number>;
  docentChatRename(meta: string, messages: string, ...args: (string | number)[]): Promise<number>;
  docentChatPage(
    meta: string,
    messages: string,
    before: string,
    limit: number,
  ): Promise<[string | null, number?, string[]?]>;
};

const INDEX_BATCH = 100;

/** A page as read, with whose session it is; `open()` decrypts it. */
export interface OwnedPage {
  ownerId: string | null;
  open(): MessagePage;
}

/**
 * Chat history in Redis (layout in chat-history.keys.ts, scripts in chat-history.scripts.ts),
 * every value that carries user content sealed (chat-history.codec.ts).
 *
 * TTL rules: every key of a session gets CHAT_SESSION_TTL on each WRITE (create, rename, append),
 * in the same MULTI/script as the write, so a key never exists without a TTL. Reads do not slide
 * it: "activity" is writing, which keeps the index score (last activity) and the keys' expiry the
 * same instant, so "score ≥ now − ttl" in the index means exactly "not expired yet". The
 * per-user index key gets the same TTL on every write to any of its sessions (it then outlives
 * every session it lists).
 *
 * Cluster: a session's keys share the hash tag `{<sessionId>}`; the index key is in another slot,
 * so it is never in the same command or script as the session keys. It is updated by a separate
 * command after the session write. That is safe because the index is advisory: readers take
 * sessions from it only after reading the session's own meta (gone or foreign → skipped and
 * removed from the index), and stale entries are pruned lazily (ZREMRANGEBYSCORE on every list)
 * and by the maintenance job. The worst a failed index write can do is hide a live session from
 * the list until its next write; it is still reachable by id.
 */
@Injectable()
export class ChatHistoryRepository {
  private readonly logger = new Logger('ChatHistory');
  private readonly redis: ScriptClient;
  private readonly codec: ChatHistoryCodec;
  readonly ttlMs: number;
  readonly maxMessages: number;

  constructor(@Inject(REDIS_CLIENT) redis: RedisClient, keyring: Keyring, config: ConfigService) {
    this.codec = new ChatHistoryCodec(keyring);
    const settings = config.getOrThrow<ChatSettings>('chat');
    this.ttlMs = settings.sessionTtlMs;
    this.maxMessages = settings.maxMessages;
    // defineCommand is idempotent (EVALSHA with an EVAL fallback); KEYS get the client prefix
    redis.defineCommand('docentChatAppend', { numberOfKeys: 2, lua: APPEND_SCRIPT });
    redis.defineCommand('docentChatRename', { numberOfKeys: 2, lua: RENAME_SCRIPT });
    redis.defineCommand('docentChatPage', { numberOfKeys: 2, lua: PAGE_SCRIPT });
    this.redis = redis as ScriptClient;
  }

  // ------------------------------------------------------------------ sessions

  async create(
    session: Omit<ChatSessionRecord, 'messageCount' | 'lastActivityAt'>,
  ): Promise<ChatSessionRecord> {
    const record: ChatSessionRecord = {
      ...session,
      lastActivityAt: session.createdAt,
      messageCount: 0,
    };
    await this.redis
      .multi()
      .hset(metaKey(record.id), {
        id: record.id,
        userId: record.userId,
        title: this.codec.sealTitle(record.id, record.title),
        documentIds: JSON.stringify(record.documentIds),
        createdAt: record.createdAt,
        lastActivityAt: record.lastActivityAt,
        messageCount: '0',
      })
      .pexpire(metaKey(record.id), this.ttlMs)
      .exec()
      .then(failOnError);
    await this.touchIndex(record.userId, record.id, Date.parse(record.lastActivityAt));
    return record;
  }

  /** The session, or null when it does not exist or has expired. */
  async find(sessionId: string): Promise<ChatSessionRecord | null> {
    const hash = await this.redis.hgetall(metaKey(sessionId));
    return this.codec.decodeMeta(sessionId, hash);
  }

  /** Renames and slides the TTL; null when the session is gone. */
  async rename(
    session: ChatSessionRecord,
    title: string,
    now: Date,
  ): Promise<ChatSessionRecord | null> {
    const at = now.toISOString();
    const done = await this.redis.docentChatRename(
      metaKey(session.id),
      messagesKey(session.id),
      this.ttlMs,
      at,
      this.codec.sealTitle(session.id, title),
    );
    if (done !== 1) return null;
    await this.touchIndex(session.userId, session.id, now.getTime());
    return { ...session, title, lastActivityAt: at };
  }

  /**
   * Appends messages (one script: push, trim to the cap, count, slide every TTL); null when the
   * session is gone, in which case nothing was written.
   */
  async append(
    session: ChatSessionRecord,
    messages: ChatMessageRecord[],
    now: Date,
  ): Promise<ChatSessionRecord | null> {
    const at = now.toISOString();
    const count = await this.redis.docentChatAppend(
      metaKey(session.id),
      messagesKey(session.id),
      this.ttlMs,
      this.maxMessages,
      at,
      ...messages.map((message) => this.codec.encodeMessage(session.id, message)),
    );
    if (count < 0) return null;
    await this.touchIndex(session.userId, session.id, now.getTime());
    return { ...session, lastActivityAt: at, messageCount: count };
  }

  /** Deletes the session's keys (one command, one slot), then its index entry. */
  async delete(session: Pick<ChatSessionRecord, 'id' | 'userId'>): Promise<boolean> {
    const removed = await this.redis.del(metaKey(session.id), messagesKey(session.id));
    await this.redis.zrem(userIndexKey(session.userId), session.id).catch((error: unknown) => {
      // advisory: readers skip index entries whose session is gone, the pruner removes them
      this.logger.warn(`could not remove session ${session.id} from its index: ${String(error)}`);
    });
    return removed > 0;
  }

  /**
   * The user's live sessions, most recently active first (index score desc, then id desc),
   * `limit + 1` at most so the caller knows whether a next page exists.
   */
  async listForUser(
    userId: string,
    limit: number,
    after: SessionPosition | undefined,
    now = Date.now(),
  ): Promise<{ session: ChatSessionRecord; position: SessionPosition }[]> {
    const key = userIndexKey(userId);
    const min = now - this.ttlMs;
    // lazy pruning of expired entries (a write on the index key; its TTL is left as is)
    await this.redis.zremrangebyscore(key, '-inf', `(${min}`);
    const found: { session: ChatSessionRecord; position: SessionPosition }[] = [];
    const stale: string[] = [];
    const batch = Math.max(INDEX_BATCH, (limit + 1) * 2);
    let offset = 0;
    while (found.length < limit + 1) {
      const raw = await this.redis.zrevrangebyscore(
        key,
        after ? after.at : '+inf',
        min,
        'WITHSCORES',
        'LIMIT',
        offset,
        batch,
      );
      if (raw.length === 0) break;
      offset += raw.length / 2;
      const candidates: SessionPosition[] = [];
      for (let i = 0; i < raw.length; i += 2) {
        const position = { id: raw[i], at: Number(raw[i + 1]) };
        // keyset: strictly after the cursor in (score desc, id desc) order
        if (after && position.at === after.at && position.id >= after.id) continue;
        candidates.push(position);
      }
      // one slot per session: separate commands (ioredis pipelines them on one connection)
      const sessions = await Promise.all(candidates.map((c) => this.find(c.id)));
      candidates.forEach((position, i) => {
        const session = sessions[i];
        if (session && session.userId === userId) found.push({ session, position });
        else stale.push(position.id);
      });
      if (raw.length / 2 < batch) break;
    }
    if (stale.length > 0) {
      await this.redis.zrem(key, ...stale).catch(() => undefined);
    }
    return found.slice(0, limit + 1);
  }

  // ------------------------------------------------------------------ messages

  /**
   * `limit` messages older than `before` (the newest when absent), oldest first, and the id of the
   * session's owner (null: no such session), in one round trip. The page is opened (decrypted)
   * only when asked for: check the owner first.
   */
  async page(sessionId: string, limit: number, before?: string): Promise<OwnedPage> {
    const [owner, start, elements] = await this.redis.docentChatPage(
      metaKey(sessionId),
      messagesKey(sessionId),
      before ?? '',
      limit,
    );
    const ownerId = typeof owner === 'string' ? owner : null;
    if (start === undefined || !elements) {
      return { ownerId, open: () => ({ items: [], hasMore: false }) };
    }
    return {
      ownerId,
      open: () => ({
        items: elements.map((element) => this.codec.decodeMessage(sessionId, element)),
        hasMore: start > 0,
      }),
    };
  }

  /** Every kept message, oldest first (export). */
  async all(sessionId: string): Promise<ChatMessageRecord[]> {
    const elements = await this.redis.lrange(messagesKey(sessionId), 0, -1);
    return elements.map((element) => this.codec.decodeMessage(sessionId, element));
  }

  // ------------------------------------------------------------------ maintenance

  /**
   * Removes expired and dangling entries from every per-user index (SCAN, so it never blocks
   * Redis; on a Redis Cluster every master is scanned).
   */
  async pruneIndexes(now = Date.now()): Promise<{ indexes: number; removed: number }> {
    const prefix = this.redis.options.keyPrefix ?? '';
    const pattern = escapeGlob(prefix) + USER_INDEX_PATTERN;
    const min = now - this.ttlMs;
    let indexes = 0;
    let removed = 0;
    await scanKeys(this.redis, pattern, async (keys) => {
      for (const fullKey of keys) {
        // SCAN returns full names; commands add the prefix again
        const key = fullKey.slice(prefix.length);
        indexes += 1;
        removed += await this.redis.zremrangebyscore(key, '-inf', `(${min}`);
        const members = await this.redis.zrange(key, 0, -1);
        for (let i = 0; i < members.length; i += INDEX_BATCH) {
          const slice = members.slice(i, i + INDEX_BATCH);
          const exists = await Promise.all(slice.map((id) => this.redis.exists(metaKey(id))));
          const gone = slice.filter((_, j) => exists[j] === 0);
          if (gone.length > 0) removed += await this.redis.zrem(key, ...gone);
        }
      }
    });
    return { indexes, removed };
  }

  /** Every session of a user (account deletion). */
  async deleteAllForUser(userId: string): Promise<number> {
    const ids = await this.redis.zrange(userIndexKey(userId), 0, -1);
    let deleted = 0;
    for (const id of ids) {
      const session = await this.find(id);
      if (session?.userId === userId && (await this.delete(session))) deleted += 1;
    }
    await this.redis.del(userIndexKey(userId));
    return deleted;
  }

  // ------------------------------------------------------------------ index

  /** Adds/moves the session in its owner's index and slides the index key's TTL (one slot). */
  private async touchIndex(userId: string, sessionId: string, at: number): Promise<void> {
    const key = userIndexKey(userId);
    await this.redis
      .multi()
      .zadd(key, at, sessionId)
      .zremrangebyscore(key, '-inf', `(${at - this.ttlMs}`)
      .pexpire(key, this.ttlMs)
      .exec()
      .then(failOnError);
  }
}

function failOnError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('redis transaction aborted');
  for (const [error] of results) if (error) throw error;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
