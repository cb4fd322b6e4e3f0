import type { Keyring } from '@docent/crypto';
import type { Citation } from '../chat.contracts';
import { ELEMENT_SEPARATOR, messageAad, titleAad } from './chat-history.keys';
import type { ChatMessageRecord, ChatSessionRecord } from './chat-history.records';

/** The sealed part of a message (everything but its id, which stays plaintext for paging). */
interface SealedMessageBody {
  role: ChatMessageRecord['role'];
  content: string;
  citations: Citation[];
  createdAt: string;
}

/**
 * How chat history values are sealed and opened with the shared Keyring (AES-256-GCM, key id in
 * each value): a message's id stays plaintext (paging finds it), everything else of it is sealed,
 * and so is a session's title. Each value's AAD names its session (and message), so a value
 * copied into another session does not open.
 */
export class ChatHistoryCodec {
  constructor(private readonly keyring: Keyring) {}

  sealTitle(sessionId: string, title: string): string {
    return this.keyring.seal(title, titleAad(sessionId));
  }

  encodeMessage(sessionId: string, message: ChatMessageRecord): string {
    const body: SealedMessageBody = {
      role: message.role,
      content: message.content,
      citations: message.citations,
      createdAt: message.createdAt,
    };
    return (
      message.id +
      ELEMENT_SEPARATOR +
      this.keyring.seal(JSON.stringify(body), messageAad(sessionId, message.id))
    );
  }

  /** Throws a CryptoError (500, logged) when a value was tampered with or its key is gone. */
  decodeMessage(sessionId: string, element: string): ChatMessageRecord {
    const at = element.indexOf(ELEMENT_SEPARATOR);
    const id = element.slice(0, at);
    const body = JSON.parse(
      this.keyring.openText(element.slice(at + 1), messageAad(sessionId, id)),
    ) as SealedMessageBody;
    return {
      id,
      role: body.role,
      content: body.content,
      citations: body.citations,
      createdAt: body.createdAt,
    };
  }

  decodeMeta(sessionId: string, hash: Record<string, string>): ChatSessionRecord | null {
    if (!hash.id || !hash.userId) return null;
    return {
      id: sessionId,
      userId: hash.userId,
      title: this.keyring.openText(hash.title, titleAad(sessionId)),
      documentIds: JSON.parse(hash.documentIds ?? 'null') as string[] | null,
      createdAt: hash.createdAt,
      lastActivityAt: hash.lastActivityAt,
      messageCount: Number(hash.messageCount ?? 0),
    };
  }
}
