export { describePrivateKey, parsePrivateKey, type PrivateKeyInfo } from './lib/private-key';
export { fingerprintsEqual, hostKeyFingerprint, normalizeFingerprint, publicKeyLineFingerprint } from './lib/host-key';
export { type OutputStream, type RemoteCommandOptions, type RemoteCommandResult } from './lib/remote-command-contract';
