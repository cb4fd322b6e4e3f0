// The compiled list of migrations, oldest first. `npm run migration:create` rewrites this file.
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126030000_accounts_and_audit } from './Migration20261126030000_accounts_and_audit';
import { Migration20261126040000_role_permissions } from './Migration20261126040000_role_permissions';
import { Migration20261126041000_audit_privileges } from './Migration20261126041000_audit_privileges';
import { Migration20261126050000_documents } from './Migration20261126050000_documents';
import { Migration20261126060000_usage } from './Migration20261126060000_usage';
import { Migration20261126070000_retrieval } from './Migration20261126070000_retrieval';
import { Migration20261126080000_notifications } from './Migration20261126080000_notifications';
import { Migration20261204100000_document_chunk_stats } from './Migration20261204100000_document_chunk_stats';
import { Migration20261204110000_storage_deletions } from './Migration20261204110000_storage_deletions';
import { Migration20261204120000_auth_hardening } from './Migration20261204120000_auth_hardening';
import { Migration20261204130000_refresh_reuse_grace } from './Migration20261204130000_refresh_reuse_grace';
import { Migration20261204140000_chunk_stats_linear } from './Migration20261204140000_chunk_stats_linear';
import { Migration20261204150000_chunk_tsv_inline } from './Migration20261204150000_chunk_tsv_inline';
import { Migration20261205060000_usage_features } from './Migration20261205060000_usage_features';
import { Migration20261205090000_chunk_embeddings } from './Migration20261205090000_chunk_embeddings';

export const MIGRATIONS: MigrationObject[] = [
  {
    name: 'Migration20261126030000_accounts_and_audit',
    class: Migration20261126030000_accounts_and_audit,
  },
  {
    name: 'Migration20261126040000_role_permissions',
    class: Migration20261126040000_role_permissions,
  },
  {
    name: 'Migration20261126041000_audit_privileges',
    class: Migration20261126041000_audit_privileges,
  },
  { name: 'Migration20261126050000_documents', class: Migration20261126050000_documents },
  { name: 'Migration20261126060000_usage', class: Migration20261126060000_usage },
  { name: 'Migration20261126070000_retrieval', class: Migration20261126070000_retrieval },
  { name: 'Migration20261126080000_notifications', class: Migration20261126080000_notifications },
  {
    name: 'Migration20261204100000_document_chunk_stats',
    class: Migration20261204100000_document_chunk_stats,
  },
  {
    name: 'Migration20261204110000_storage_deletions',
    class: Migration20261204110000_storage_deletions,
  },
  { name: 'Migration20261204120000_auth_hardening', class: Migration20261204120000_auth_hardening },
  {
    name: 'Migration20261204130000_refresh_reuse_grace',
    class: Migration20261204130000_refresh_reuse_grace,
  },
  {
    name: 'Migration20261204140000_chunk_stats_linear',
    class: Migration20261204140000_chunk_stats_linear,
  },
  {
    name: 'Migration20261204150000_chunk_tsv_inline',
    class: Migration20261204150000_chunk_tsv_inline,
  },
  {
    name: 'Migration20261205060000_usage_features',
    class: Migration20261205060000_usage_features,
  },
  {
    name: 'Migration20261205090000_chunk_embeddings',
    class: Migration20261205090000_chunk_embeddings,
  },
];
