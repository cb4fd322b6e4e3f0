import type { ChatExportDto, ChatMessageDto } from './dto/chat-response.dto';

/** One line of Markdown text from anything the user or a document wrote (no line breaks). */
function inline(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function citationLines(message: ChatMessageDto): string[] {
  if (message.citations.length === 0) return [];
  return [
    '',
    '**Sources**',
    '',
    ...message.citations.map((citation, index) => {
      const page = citation.page === null ? '' : `, page ${citation.page}`;
      return `${index + 1}. ${inline(citation.filename)}${page} — “${inline(citation.snippet)}”`;
    }),
  ];
}

/** The conversation as a Markdown document: each turn, and the sources under each answer. */
export function renderMarkdown(conversation: ChatExportDto): string {
  const { session } = conversation;
  const lines = [
    `# ${inline(session.title)}`,
    '',
    `Session ${session.id}, created ${session.createdAt}, exported ${conversation.exportedAt}.`,
  ];
  for (const message of conversation.messages) {
    lines.push(
      '',
      `## ${message.role === 'user' ? 'Question' : 'Answer'} (${message.createdAt})`,
      '',
      message.content,
      ...citationLines(message),
    );
  }
  return `${lines.join('\n')}\n`;
}
