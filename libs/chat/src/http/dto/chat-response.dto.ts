import { ApiProperty } from '@nestjs/swagger';
import type { ChatMessageRecord, ChatSessionRecord } from '../../history/chat-history.repository';

export class ChatSessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 200 }) title!: string;
  @ApiProperty({
    type: [String],
    format: 'uuid',
    nullable: true,
    description: 'Retrieval scope; null = every document you can read when you ask',
  })
  documentIds!: string[] | null;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Messages kept (CHAT_MAX_MESSAGES cap)',
  })
  messageCount!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Last write (creation, rename, question)' })
  lastActivityAt!: string;
  @ApiProperty({
    format: 'date-time',
    description: 'When the session expires unless it is used again (CHAT_SESSION_TTL)',
  })
  expiresAt!: string;

  static from(record: ChatSessionRecord, ttlMs: number): ChatSessionDto {
    return {
      id: record.id,
      title: record.title,
      documentIds: record.documentIds,
      messageCount: record.messageCount,
      createdAt: record.createdAt,
      lastActivityAt: record.lastActivityAt,
      expiresAt: new Date(Date.parse(record.lastActivityAt) + ttlMs).toISOString(),
    };
  }
}

export class ChatSessionPageDto {
  @ApiProperty({ type: [ChatSessionDto] }) items!: ChatSessionDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class CitationDto {
  @ApiProperty({ format: 'uuid' }) documentId!: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: '1-based PDF page, else null' })
  page!: number | null;
  @ApiProperty({ format: 'uuid' }) chunkId!: string;
  @ApiProperty({ description: 'The passage the answer relies on' }) snippet!: string;
  @ApiProperty({ description: 'Relevance, higher is better (comparable within one answer)' })
  score!: number;
}

export class ChatMessageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['user', 'assistant'] }) role!: 'user' | 'assistant';
  @ApiProperty() content!: string;
  @ApiProperty({
    type: [CitationDto],
    description:
      'Sources, in the order of the markers [1], [2], … in `content`; empty for questions',
  })
  citations!: CitationDto[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(record: ChatMessageRecord): ChatMessageDto {
    return {
      id: record.id,
      role: record.role,
      content: record.content,
      citations: record.citations.map((c) => ({
        documentId: c.documentId,
        filename: c.filename,
        page: c.page,
        chunkId: c.chunkId,
        snippet: c.snippet,
        score: c.score,
      })),
      createdAt: record.createdAt,
    };
  }
}

export class ChatMessagePageDto {
  @ApiProperty({
    type: [ChatMessageDto],
    description: 'Oldest first within the page; pages go from the newest backwards',
  })
  items!: ChatMessageDto[];
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Pass as `before` for the next (older) page; null when there is none',
  })
  nextCursor!: string | null;
}

export class AskResultDto {
  @ApiProperty({ type: ChatMessageDto }) userMessage!: ChatMessageDto;
  @ApiProperty({ type: ChatMessageDto }) assistantMessage!: ChatMessageDto;
}

export class ChatExportDto {
  @ApiProperty({ type: ChatSessionDto }) session!: ChatSessionDto;
  @ApiProperty({ type: [ChatMessageDto], description: 'Every kept message, oldest first' })
  messages!: ChatMessageDto[];
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
}
