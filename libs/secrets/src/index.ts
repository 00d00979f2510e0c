export * from './lib/encrypted-column-registry';
export * from './lib/keyring';
export * from './lib/secret-box';
export * from './lib/secret-rotation.service';
export * from './lib/secrets.module';
