import type { DocumentDto } from '../../api/openapi.gen';
import { ProgressBar, TableHead } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { formatBytes, formatDate } from '../../lib/format';
import { documentContent, useDownload } from '../../lib/useDownload';

const STATUS_LABEL: Record<string, string> = {
  queued: 'queued',
  processing: 'processing',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The documents the caller can read, with their ingestion state and what they may do to each. */
export function DocumentTable({
  items,
  onRetry,
  onShare,
  onDelete,
}: {
  items: DocumentDto[];
  onRetry: (doc: DocumentDto) => void;
  onShare: (doc: DocumentDto) => void;
  onDelete: (doc: DocumentDto) => void;
}) {
  const { me } = useAuth();
  const download = useDownload();
  return (
    <table className="documents stack">
      <TableHead columns={['Name', 'Status', 'Progress', 'Added']} actions />
      <tbody>
        {items.map((doc) => (
          <tr key={doc.id} data-testid="document-row" data-status={doc.status}>
            <th scope="row">
              <span className="doc-name">{doc.filename}</span>
              <small className="muted">
                {formatBytes(doc.sizeBytes)}
                {doc.pageCount ? ` · ${doc.pageCount} page${doc.pageCount === 1 ? '' : 's'}` : ''}
                {doc.ownerId !== me?.id ? ' · shared with you' : ''}
              </small>
            </th>
            <td>
              <span className={`badge status-${doc.status}`}>{STATUS_LABEL[doc.status]}</span>
              {doc.status === 'processing' && doc.stage ? (
                <small className="muted"> {doc.stage}</small>
              ) : null}
              {doc.status === 'failed' && doc.error ? (
                <p className="doc-error" role="note">
                  {doc.error.message}
                </p>
              ) : null}
            </td>
            <td className="progress-cell">
              <ProgressBar value={doc.progress} label={`Ingestion of ${doc.filename}`} />
              <span>{doc.progress}%</span>
            </td>
            <td>{formatDate(doc.createdAt)}</td>
            <td className="row-actions">
              {doc.status === 'failed' ? (
                <button type="button" onClick={() => onRetry(doc)}>
                  Retry
                </button>
              ) : null}
              <button
                type="button"
                onClick={() => download(documentContent(doc.id), doc.filename, 'Download failed')}
                aria-label={`Download ${doc.filename}`}
              >
                Download
              </button>
              {doc.ownerId === me?.id || me?.role === 'admin' ? (
                <>
                  <button
                    type="button"
                    onClick={() => onShare(doc)}
                    aria-label={`Share ${doc.filename}`}
                  >
                    Share
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => onDelete(doc)}
                    aria-label={`Delete ${doc.filename}`}
                  >
                    Delete
                  </button>
                </>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
