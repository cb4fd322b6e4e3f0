import { Migration } from '@mikro-orm/migrations';

/**
 * Refresh-token reuse grace (issue 13): a spent refresh token's row keeps the pair it was rotated
 * to, sealed with the data key, so the same token presented again within JWT_REFRESH_REUSE_GRACE
 * (two tabs, a retry after a lost answer) gets that pair instead of ending the session. The purge
 * clears it once the window has passed.
 */
export class Migration20261204130000_refresh_reuse_grace extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "spent_refresh_tokens" add column "successor_sealed" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "spent_refresh_tokens" drop column if exists "successor_sealed";`);
  }
}
