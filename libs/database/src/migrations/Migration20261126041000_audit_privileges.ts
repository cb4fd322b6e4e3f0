import { Migration } from '@mikro-orm/migrations';

/**
 * The audit log is append-only for the database role the app runs as, too: it keeps INSERT and
 * SELECT but loses UPDATE, DELETE and TRUNCATE (the trigger from the first migration also
 * refuses them, for roles this cannot reach, such as superusers).
 */
export class Migration20261126041000_audit_privileges extends Migration {
  override async up(): Promise<void> {
    this.addSql(`revoke update, delete, truncate on "audit_events" from public;`);
    this.addSql(`revoke update, delete, truncate on "audit_events" from current_user;`);
  }

  override async down(): Promise<void> {
    this.addSql(`grant update, delete, truncate on "audit_events" to current_user;`);
  }
}
