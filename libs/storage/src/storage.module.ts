import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { StorageSettings } from '@docent/config';
import { Keyring } from '@docent/crypto';
import { FILE_STORAGE } from './file-storage';
import { LocalEncryptedStorage } from './local-encrypted-storage';

/**
 * The keyring (shared with anything else that encrypts at rest, e.g. chat history) and the file
 * storage, both from `storage` settings. Global: import it once in each app's root module.
 */
@Global()
@Module({
  providers: [
    {
      provide: Keyring,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const settings = config.getOrThrow<StorageSettings>('storage');
        return new Keyring(settings.encryptionKeys, settings.activeKeyId);
      },
    },
    {
      provide: FILE_STORAGE,
      inject: [ConfigService, Keyring],
      useFactory: (config: ConfigService, keyring: Keyring) =>
        new LocalEncryptedStorage(config.getOrThrow<StorageSettings>('storage').dir, keyring),
    },
  ],
  exports: [Keyring, FILE_STORAGE],
})
export class StorageModule {}
