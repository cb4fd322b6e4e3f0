// The compiled list of migrations, oldest first. `npm run migration:create` rewrites this file.
import type { MigrationObject } from '@mikro-orm/core';

export const MIGRATIONS: MigrationObject[] = [];
