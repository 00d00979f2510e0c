export { EncryptedColumnRegistry } from './lib/encrypted-column-registry';
export { SecretBox, SecretDecryptionError } from './lib/secret-box';
export { SecretRotationService } from './lib/secret-rotation.service';
export { SecretsModule } from './lib/secrets.module';
