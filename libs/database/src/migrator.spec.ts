import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations';

describe('the compiled migration list', () => {
  it('lists every migration file in the folder, oldest first', () => {
    const files = readdirSync(join(__dirname, 'migrations'))
      .filter((file) => /^Migration\d.*\.ts$/.test(file))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(MIGRATIONS.map((migration) => migration.name)).toEqual(files);
  });
});
