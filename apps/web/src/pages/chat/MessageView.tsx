import type { ChatMessageDto, CitationDto } from '../../api/openapi.gen';
import { documentContent, useDownload } from '../../lib/useDownload';

/** A source of an answer: shows the cited passage on hover, downloads the file on click. */
function CitationChip({ citation }: { citation: CitationDto }) {
  const download = useDownload();
  const label = citation.page ? `${citation.filename}, p. ${citation.page}` : citation.filename;
  return (
    <button
      type="button"
      className="chip"
      title={citation.snippet}
      data-document-id={citation.documentId}
      onClick={() => download(documentContent(citation.documentId), citation.filename)}
    >
      {label}
    </button>
  );
}

export function MessageView({ message }: { message: ChatMessageDto }) {
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
