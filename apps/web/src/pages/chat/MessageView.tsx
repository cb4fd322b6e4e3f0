import type { ChatMessageDto, CitationDto } from '../../api/openapi.gen';
import { type PassageTarget, useCitationViewer } from '../../components/CitationViewer';

/**
 * A source of an answer: shows the cited passage on hover; a click opens it in the citation viewer
 * (its text in context, and the file's download from there).
 */
function CitationChip({
  citation,
  onOpen,
}: {
  citation: CitationDto;
  onOpen: (target: PassageTarget) => void;
}) {
  const label = citation.page ? `${citation.filename}, p. ${citation.page}` : citation.filename;
  return (
    <button
      type="button"
      className="chip"
      title={citation.snippet}
      data-document-id={citation.documentId}
      aria-haspopup="dialog"
      onClick={() =>
        onOpen({
          documentId: citation.documentId,
          chunkId: citation.chunkId,
          filename: citation.filename,
        })
      }
    >
      {label}
    </button>
  );
}

export function MessageView({ message }: { message: ChatMessageDto }) {
  const viewer = useCitationViewer();
  return (
    <article
      className={`message message-${message.role}`}
      aria-label={message.role === 'user' ? 'Question' : 'Answer'}
    >
      <p className="message-content">{message.content}</p>
      {message.citations.length > 0 ? (
        <div className="citations" aria-label="Sources">
          {message.citations.map((citation) => (
            <CitationChip key={citation.chunkId} citation={citation} onOpen={viewer.open} />
          ))}
        </div>
      ) : null}
      {viewer.element}
    </article>
  );
}
