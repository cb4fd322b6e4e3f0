import type { ChatExportDto } from './dto/chat-response.dto';
import { renderMarkdown } from './export-markdown';

const conversation: ChatExportDto = {
  session: {
    id: 's1',
    title: 'Bridges\nand rivers',
    documentIds: null,
    messageCount: 2,
    createdAt: '2026-11-26T00:00:00.000Z',
    lastActivityAt: '2026-11-26T00:01:00.000Z',
    expiresAt: '2026-12-26T00:01:00.000Z',
  },
  messages: [
    {
      id: 'm1',
      role: 'user',
      content: 'When did it open?',
      citations: [],
      createdAt: '2026-11-26T00:00:30.000Z',
    },
    {
      id: 'm2',
      role: 'assistant',
      content: 'It opened in 1902 [1]. It is long [2].',
      citations: [
        {
          documentId: 'd1',
          filename: 'bridges.pdf',
          page: 3,
          chunkId: 'c1',
          snippet: 'The bridge\nopened in 1902.',
          score: 1.5,
        },
        {
          documentId: 'd2',
          filename: 'notes.docx',
          page: null,
          chunkId: 'c2',
          snippet: 'It is 300 m long.',
          score: 0.7,
        },
      ],
      createdAt: '2026-11-26T00:01:00.000Z',
    },
  ],
  exportedAt: '2026-11-26T01:00:00.000Z',
};

describe('renderMarkdown', () => {
  it('writes each turn and lists the sources under each answer, numbered like the markers', () => {
    expect(renderMarkdown(conversation)).toBe(
      [
        '# Bridges and rivers',
        '',
        'Session s1, created 2026-11-26T00:00:00.000Z, exported 2026-11-26T01:00:00.000Z.',
        '',
        '## Question (2026-11-26T00:00:30.000Z)',
        '',
        'When did it open?',
        '',
        '## Answer (2026-11-26T00:01:00.000Z)',
        '',
        'It opened in 1902 [1]. It is long [2].',
        '',
        '**Sources**',
        '',
        '1. bridges.pdf, page 3 — “The bridge opened in 1902.”',
        '2. notes.docx — “It is 300 m long.”',
        '',
      ].join('\n'),
    );
  });
});
