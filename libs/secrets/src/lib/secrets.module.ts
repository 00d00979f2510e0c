import { Global, Module } from '@nestjs/common';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { EncryptedColumnRegistry } from './encrypted-column-registry';
import { loadKeyring } from './keyring';
import { SecretBox } from './secret-box';
import { SecretRotationService } from './secret-rotation.service';

/**
 * The process's {@link SecretBox}. Its keys are loaded (and a master key derived) once, when the
 * module is created; the worker and the API each import this module.
 */
@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [TOMO_CONFIG],
      useFactory: (config: CommonConfig) => {
        const keyring = loadKeyring(config);
        return new SecretBox(keyring.current, keyring.previous);
      },
    },
    EncryptedColumnRegistry,
    SecretRotationService,
  ],
  exports: [SecretBox, EncryptedColumnRegistry, SecretRotationService],
})
export class SecretsModule {}
