// Worker only (lint keeps it out of the API): SSH connections and credential decryption.
export { ServerShellModule } from './lib/server-shell.module';
