import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { StorageSettings } from '@docent/config';
import { Keyring } from '@docent/crypto';
import { FILE_STORAGE, type FileStorage } from './file-storage';
import { LocalEncryptedStorage } from './local-encrypted-storage';
import { StorageModule } from './storage.module';

describe('StorageModule', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'docent-storage-module-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('provides the keyring and a local encrypted FILE_STORAGE from the storage settings', async () => {
    const storage: StorageSettings = {
      dir,
      encryptionKeys: new Map([
        ['old', randomBytes(32)],
        ['new', randomBytes(32)],
      ]),
      activeKeyId: 'new',
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ storage })],
        }),
        StorageModule,
      ],
    }).compile();

    const keyring = moduleRef.get(Keyring);
    expect(keyring.activeKeyId).toBe('new');
    expect(keyring.keyIds).toEqual(['old', 'new']);

    const files = moduleRef.get<FileStorage>(FILE_STORAGE);
    expect(files).toBeInstanceOf(LocalEncryptedStorage);
    await files.put('a/b', Readable.from([Buffer.from('hello')]));
    const chunks: Buffer[] = [];
    for await (const chunk of await files.get('a/b')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    await moduleRef.close();
  });
});
