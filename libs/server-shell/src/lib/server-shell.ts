import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { SecretBox, SecretDecryptionError } from '@tomo/secrets';
import { ErrorCode, TomoException } from '@tomo/shared';
import { ServerCommands, ServerEntity, ServersService } from '@tomo/servers';
import { hostKeyMismatchException, type SshCredentials, SshConnectionPool, type SshSession } from '@tomo/ssh';
import { fingerprintsEqual, type RemoteCommandOptions, type RemoteCommandResult } from '@tomo/ssh-keys';

/** `…the server presented SHA256:xxx.` in the pool's HOST_KEY_MISMATCH message. */
const PRESENTED_FINGERPRINT = /presented (SHA256:[A-Za-z0-9+/]+)/;

/**
 * ServerCommands over SSH, for workflow steps (worker only). Loads the server row,
 * connects through the process's SshConnectionPool (one pooled connection per server), and:
 * - decrypts the credentials only inside the pool's credentials callback, i.e. only when a new
 *   connection is opened, and keeps nothing;
 * - pins the host key on first use, verifies it on every later connection;
 * - on HOST_KEY_MISMATCH records the server's status and the presented key, then rethrows.
 */
@Injectable()
export class ServerShell extends ServerCommands {
  constructor(
    private readonly servers: ServersService,
    @InjectRepository(ServerEntity)
    private readonly repo: Repository<ServerEntity>,
    private readonly box: SecretBox,
    private readonly pool: SshConnectionPool,
  ) {
    super();
  }

  async run(
    serverId: string,
    argv: readonly string[],
    options: RemoteCommandOptions = {},
  ): Promise<RemoteCommandResult> {
    options.signal?.throwIfAborted();
    const session = await this.connect(serverId);
    return session.run(argv, options);
  }

  async connect(serverId: string): Promise<SshSession> {
    const server = await this.servers.get(serverId);
    const endpoint = {
      host: server.host,
      port: server.port,
      username: server.username,
    };
    let session: SshSession;
    try {
      session = await this.pool.connect(serverId, {
        ...endpoint,
        credentials: () => this.credentials(serverId),
        expectedFingerprint: server.hostKeyFingerprint,
      });
    } catch (error) {
      if (error instanceof TomoException && error.code === ErrorCode.HostKeyMismatch) {
        await this.servers.recordHostKeyMismatch(
          serverId,
          PRESENTED_FINGERPRINT.exec(error.message)?.[1] ?? null,
          error.message,
        );
      }
      throw error;
    }
    if (session.firstUse) {
      const pinned = await this.servers.pinHostKey(serverId, session.hostKeyFingerprint);
      if (pinned !== null && !fingerprintsEqual(pinned, session.hostKeyFingerprint)) {
        // Another connection pinned a different key first: this one is not trusted.
        this.pool.closeServer(serverId);
        const error = hostKeyMismatchException(endpoint, pinned, session.hostKeyFingerprint);
        await this.servers.recordHostKeyMismatch(serverId, session.hostKeyFingerprint, error.message);
        throw error;
      }
    }
    return session;
  }

  /** Decrypts the stored credentials; called by the pool only when it opens a connection. */
  private async credentials(serverId: string): Promise<SshCredentials> {
    const row = await this.repo
      .createQueryBuilder('server')
      .select('server.id')
      .addSelect(['server.passwordCiphertext', 'server.privateKeyCiphertext', 'server.passphraseCiphertext'])
      .where('server.id = :id', { id: serverId })
      .getOne();
    if (!row) throw new TomoException(ErrorCode.NotFound, `Server ${serverId} does not exist`);
    try {
      const open = (ciphertext: string | null | undefined) => (ciphertext ? this.box.decrypt(ciphertext) : undefined);
      return {
        password: open(row.passwordCiphertext),
        privateKey: open(row.privateKeyCiphertext),
        passphrase: open(row.passphraseCiphertext),
      };
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        throw new TomoException(
          ErrorCode.SshAuthFailed,
          `The stored credentials of server ${serverId} cannot be decrypted (${error.message}); was the master key changed without secrets:rotate?`,
        );
      }
      throw error;
    }
  }
}
