import { Migration } from '@mikro-orm/migrations';

const ADMIN = '01936f00-0000-7000-8000-000000000001';
const MEMBER = '01936f00-0000-7000-8000-000000000002';
const VIEWER = '01936f00-0000-7000-8000-000000000003';

interface Seed {
  role: string;
  action: string;
  subject: string;
  own?: boolean;
  inverted?: boolean;
  conditions?: Record<string, unknown>;
}

/** The built-in matrix of SPEC §4 (documents shared with a user are added with sharing). */
const MATRIX: Seed[] = [
  { role: ADMIN, action: 'manage', subject: 'all' },
  // admins manage everything but other people's chats
  {
    role: ADMIN,
    action: 'read',
    subject: 'ChatSession',
    inverted: true,
    conditions: { userId: { $ne: '${user.id}' } },
  },
  {
    role: ADMIN,
    action: 'update',
    subject: 'ChatSession',
    inverted: true,
    conditions: { userId: { $ne: '${user.id}' } },
  },
  {
    role: ADMIN,
    action: 'delete',
    subject: 'ChatSession',
    inverted: true,
    conditions: { userId: { $ne: '${user.id}' } },
  },
  ...[MEMBER, VIEWER].flatMap((role): Seed[] => [
    { role, action: 'create', subject: 'ChatSession' },
    { role, action: 'read', subject: 'ChatSession', own: true },
    { role, action: 'update', subject: 'ChatSession', own: true },
    { role, action: 'delete', subject: 'ChatSession', own: true },
    { role, action: 'read', subject: 'Notification', own: true },
    { role, action: 'update', subject: 'Notification', own: true },
    { role, action: 'delete', subject: 'Notification', own: true },
    { role, action: 'read', subject: 'User', own: true },
    { role, action: 'update', subject: 'User', own: true },
  ]),
  { role: MEMBER, action: 'create', subject: 'Document' },
  { role: MEMBER, action: 'read', subject: 'Document', own: true },
  { role: MEMBER, action: 'update', subject: 'Document', own: true },
  { role: MEMBER, action: 'delete', subject: 'Document', own: true },
  { role: MEMBER, action: 'share', subject: 'Document', own: true },
];

/** Roles carry CASL rules (authorization): the table and the built-in matrix. */
export class Migration20261126040000_role_permissions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "role_permissions" (
        "id" uuid not null primary key,
        "role_id" uuid not null,
        "action" text not null,
        "subject" text not null,
        "own" boolean not null default false,
        "inverted" boolean not null default false,
        "conditions" jsonb null,
        "fields" text[] null,
        "position" integer not null default 0,
        constraint "role_permissions_role_id_foreign" foreign key ("role_id") references "roles" ("id") on update cascade on delete cascade
      );`);
    this.addSql(
      `create index "role_permissions_role_id_idx" on "role_permissions" ("role_id", "position");`,
    );
    // one multi-row insert of constants (no user input), quoted as SQL literals
    const rows = MATRIX.map((rule, position) =>
      [
        'gen_random_uuid()',
        sqlLiteral(rule.role),
        sqlLiteral(rule.action),
        sqlLiteral(rule.subject),
        String(rule.own ?? false),
        String(rule.inverted ?? false),
        rule.conditions ? `${sqlLiteral(JSON.stringify(rule.conditions))}::jsonb` : 'null',
        String(position),
      ].join(', '),
    );
    this.addSql(
      `insert into "role_permissions" ("id", "role_id", "action", "subject", "own", "inverted", "conditions", "position") values ${rows
        .map((row) => `(${row})`)
        .join(', ')};`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "role_permissions";`);
  }
}

function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
