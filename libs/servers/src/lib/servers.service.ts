import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsSelect, IsNull, QueryFailedError, type Repository } from 'typeorm';
import { ChangedRecord, RecordChangePublisher } from '@tomo/redis';
import { SecretBox, EncryptedColumnRegistry } from '@tomo/secrets';
import { ErrorCode, JobKind, notFound, Role, roleSatisfies, TomoException } from '@tomo/shared';
import { fingerprintsEqual } from '@tomo/ssh-keys';
import { type JobRow, JobsService, WorkflowRegistry } from '@tomo/workflows';
import { ServerEntity } from './entities';
import {
  type AddServerInput,
  DEFAULT_NETWORK_MODE,
  DEFAULT_SSH_PORT,
  type ServerSecrets,
  type UpdateServerInput,
  validateCredentials,
  validateHost,
  validateMaxConcurrentJobs,
  validateName,
  validateNetworkMode,
  validatePort,
  validateUsername,
} from './server-input';
import { ServerAuthType, ServerStatus } from './server-status';

/**
 * Says why a server cannot be deleted (a string: CONFLICT with that message) or null.
 * The deployments module registers one ("server has N deployments"): this lib does not know it.
 */
export type ServerDeletionGuard = (server: ServerEntity) => Promise<string | null>;

/** Told after a server's recorded status changed (notifications); must not throw. */
export type ServerStatusListener = (server: ServerEntity, previous: ServerStatus) => void;

/** Facts and status a connection test (or a metrics sample) records. */
export type ServerStatusPatch = Partial<
  Pick<
    ServerEntity,
    | 'status'
    | 'statusMessage'
    | 'dockerVersion'
    | 'dockerAccessible'
    | 'os'
    | 'arch'
    | 'kernel'
    | 'cpuCount'
    | 'memoryBytes'
    | 'diskBytes'
    | 'lastSeenAt'
    | 'lastCheckedAt'
    | 'presentedHostKeyFingerprint'
  >
>;

const SECRET_COLUMNS = ['passwordCiphertext', 'privateKeyCiphertext', 'passphraseCiphertext'] as const;

/**
 * Server records, for the API and the worker alike. Secrets come in through add/update, are
 * encrypted here and never leave as plaintext: nothing in this service decrypts them (see
 * ServerShell of @tomo/server-shell, worker only).
 */
@Injectable()
export class ServersService implements OnModuleInit {
  private readonly deletionGuards: ServerDeletionGuard[] = [];
  private readonly statusListeners: ServerStatusListener[] = [];

  constructor(
    @InjectRepository(ServerEntity)
    private readonly repo: Repository<ServerEntity>,
    private readonly box: SecretBox,
    private readonly encryptedColumns: EncryptedColumnRegistry,
    private readonly jobs: JobsService,
    private readonly registry: WorkflowRegistry,
    private readonly changes: RecordChangePublisher,
  ) {}

  onModuleInit(): void {
    this.encryptedColumns.register({
      table: 'server',
      primaryKey: 'id',
      columns: [...SECRET_COLUMNS],
    });
    // The engine's per-server lock reads each server's own limit (default 1).
    this.registry.setServerConcurrency((serverId) => this.maxConcurrentJobs(serverId));
  }

  /**
   * Every server, by name. With `fields`, only those columns (and `id`) are read: the cost of a
   * 1,000-server list grows with its columns, in SQLite and in the hydration alike. Names that
   * are no readable column (a secret, `__typename`) are left out.
   */
  list(fields?: Iterable<string>): Promise<ServerEntity[]> {
    return this.repo.find({
      select: fields && this.readableColumns(new Set(fields)),
      order: { name: 'ASC' },
    });
  }

  private readableColumns(fields: Set<string>): FindOptionsSelect<ServerEntity> {
    const names = this.repo.metadata.columns
      .filter((column) => column.isSelect && (fields.has(column.propertyName) || column.isPrimary))
      .map((column) => [column.propertyName, true]);
    return Object.fromEntries(names);
  }

  find(id: string): Promise<ServerEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** The server (with `host`, `port`, `username`, `networkMode`…, never its secrets); NOT_FOUND otherwise. */
  async get(id: string): Promise<ServerEntity> {
    const server = await this.find(id);
    if (!server) throw notFound('Server', id);
    return server;
  }

  /** Validates, stores (secrets encrypted) and starts a connection test. */
  async add(input: AddServerInput, requestedBy: string | null): Promise<{ server: ServerEntity; job: JobRow }> {
    const authType = input.authType;
    const secrets = validateCredentials(authType, input);
    const now = new Date();
    const server: ServerEntity = {
      id: randomUUID(),
      name: validateName(input.name),
      host: validateHost(input.host),
      port: validatePort(input.port ?? DEFAULT_SSH_PORT),
      username: validateUsername(input.username),
      authType,
      ...this.encryptSecrets(secrets),
      networkMode: validateNetworkMode(input.networkMode ?? DEFAULT_NETWORK_MODE),
      maxConcurrentJobs: validateMaxConcurrentJobs(input.maxConcurrentJobs ?? 1),
      pruneImages: input.pruneImages ?? false,
      status: ServerStatus.Unknown,
      statusMessage: null,
      hostKeyFingerprint: null,
      presentedHostKeyFingerprint: null,
      dockerVersion: null,
      dockerAccessible: null,
      os: null,
      arch: null,
      kernel: null,
      cpuCount: null,
      memoryBytes: null,
      diskBytes: null,
      lastSeenAt: null,
      lastCheckedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.assertNameFree(server.name, null);
    try {
      await this.repo.insert(server);
    } catch (error) {
      if (error instanceof QueryFailedError) throw nameTaken(server.name);
      throw error;
    }
    this.changed(server.id);
    const job = await this.testConnection(server.id, requestedBy);
    return { server: await this.get(server.id), job };
  }

  /**
   * Changes what the input names. Secrets: omitted = kept; switching authType needs the new
   * type's secret. A new address or new credentials start a connection test.
   *
   * The stored credentials go wherever the record points, so only an ADMIN may point them at a
   * new address; anyone else must supply the credentials again with it (FORBIDDEN otherwise).
   * The pinned host key is kept either way: a machine at the new address with another key is a
   * HOST_KEY_MISMATCH, and only `acceptHostKey` (ADMIN) replaces a pin.
   */
  async update(
    id: string,
    input: UpdateServerInput,
    requestedBy: string | null,
    callerRole: Role,
  ): Promise<{ server: ServerEntity; job: JobRow | null }> {
    const current = await this.get(id);
    const patch: Partial<ServerEntity> = {};
    if (input.name != null) patch.name = validateName(input.name);
    if (input.host != null) patch.host = validateHost(input.host);
    if (input.port != null) patch.port = validatePort(input.port);
    if (input.username != null) patch.username = validateUsername(input.username);
    if (input.networkMode != null) patch.networkMode = validateNetworkMode(input.networkMode);
    if (input.maxConcurrentJobs != null) patch.maxConcurrentJobs = validateMaxConcurrentJobs(input.maxConcurrentJobs);
    if (input.pruneImages != null) patch.pruneImages = input.pruneImages;

    const authType = input.authType ?? current.authType;
    const newSecret = [input.password, input.privateKey, input.passphrase].some(
      (value) => value != null && value !== '',
    );
    if (input.passphrase && !input.privateKey) {
      throw new TomoException(ErrorCode.BadUserInput, 'passphrase can only be changed together with privateKey');
    }
    if (authType !== current.authType || newSecret) {
      const ownSecret = authType === ServerAuthType.Password ? input.password : input.privateKey;
      if (authType === current.authType && !ownSecret) {
        const field = authType === ServerAuthType.Password ? 'privateKey/passphrase are' : 'password is';
        throw new TomoException(ErrorCode.BadUserInput, `${field} not used when authType is ${authType}`);
      }
      // The other type's stored secrets are dropped (validateCredentials returns them as null).
      Object.assign(patch, { authType }, this.encryptSecrets(validateCredentials(authType, input)));
    }

    const addressChanged =
      (patch.host !== undefined && patch.host !== current.host) ||
      (patch.port !== undefined && patch.port !== current.port);
    const credentialsChanged =
      patch.authType !== undefined || (patch.username !== undefined && patch.username !== current.username);
    if (addressChanged && patch.authType === undefined && !roleSatisfies(callerRole, Role.Admin)) {
      throw new TomoException(
        ErrorCode.Forbidden,
        `Changing the address of server "${current.name}" sends its stored credentials there: supply ${current.authType === ServerAuthType.Password ? 'password' : 'privateKey'} again, or ask an ADMIN`,
      );
    }
    if (addressChanged)
      // A mismatch recorded for the old address says nothing about the new one.
      Object.assign(patch, { presentedHostKeyFingerprint: null });
    if (addressChanged || credentialsChanged)
      Object.assign(patch, {
        status: ServerStatus.Unknown,
        statusMessage: null,
      });
    if (Object.keys(patch).length === 0) return { server: current, job: null };

    if (patch.name !== undefined) await this.assertNameFree(patch.name, id);
    try {
      await this.repo.update({ id }, { ...patch, updatedAt: new Date() });
    } catch (error) {
      if (error instanceof QueryFailedError && patch.name !== undefined) throw nameTaken(patch.name);
      throw error;
    }
    this.changed(id);
    const job = addressChanged || credentialsChanged ? await this.testConnection(id, requestedBy) : null;
    return { server: await this.get(id), job };
  }

  /** Deletes the server and its metrics; CONFLICT while anything (deployments) still uses it. */
  async delete(id: string): Promise<ServerEntity> {
    const server = await this.get(id);
    for (const guard of this.deletionGuards) {
      const reason = await guard(server);
      if (reason) throw new TomoException(ErrorCode.Conflict, reason);
    }
    await this.repo.delete({ id });
    return server;
  }

  /** Lets another module refuse deletions (e.g. deployments: "server has deployments"). */
  registerDeletionGuard(guard: ServerDeletionGuard): void {
    this.deletionGuards.push(guard);
  }

  /** Starts the testConnection workflow for the server. */
  async testConnection(id: string, requestedBy: string | null): Promise<JobRow> {
    await this.get(id);
    return this.jobs.create(JobKind.ServerTestConnection, {}, { requestedBy, serverId: id });
  }

  /**
   * After HOST_KEY_MISMATCH: pins the key the server presented (as recorded by the failed
   * connection), clears the mismatch and tests the connection again. CONFLICT when there is no
   * mismatch to accept.
   */
  async acceptHostKey(id: string, requestedBy: string | null): Promise<{ server: ServerEntity; job: JobRow }> {
    const server = await this.get(id);
    const presented = server.presentedHostKeyFingerprint;
    if (server.status !== ServerStatus.HostKeyMismatch || !presented) {
      throw new TomoException(ErrorCode.Conflict, `Server "${server.name}" has no changed host key to accept`);
    }
    const result = await this.repo.update(
      { id, presentedHostKeyFingerprint: presented },
      {
        hostKeyFingerprint: presented,
        presentedHostKeyFingerprint: null,
        status: ServerStatus.Unknown,
        statusMessage: `Host key ${presented} accepted${requestedBy ? ` by ${requestedBy}` : ''}`,
        updatedAt: new Date(),
      },
    );
    if (!result.affected)
      throw new TomoException(
        ErrorCode.Conflict,
        `The host key of server "${server.name}" changed meanwhile; look again`,
      );
    this.changed(id);
    const job = await this.testConnection(id, requestedBy);
    return { server: await this.get(id), job };
  }

  /** The limit of mutating workflows at once on the server (the engine's per-server lock). */
  async maxConcurrentJobs(id: string): Promise<number> {
    const server = await this.repo.findOne({
      where: { id },
      select: { id: true, maxConcurrentJobs: true },
    });
    return server?.maxConcurrentJobs ?? 1;
  }

  /**
   * Trust on first use: records the fingerprint unless one is pinned already. Returns the pin in
   * effect afterwards (another connection may have pinned first).
   */
  async pinHostKey(id: string, fingerprint: string): Promise<string | null> {
    const pinned = await this.repo.update(
      { id, hostKeyFingerprint: IsNull() },
      { hostKeyFingerprint: fingerprint, updatedAt: new Date() },
    );
    if (pinned.affected) this.changed(id);
    const server = await this.repo.findOne({
      where: { id },
      select: { id: true, hostKeyFingerprint: true },
    });
    return server?.hostKeyFingerprint ?? null;
  }

  async recordHostKeyMismatch(id: string, presented: string | null, message: string): Promise<void> {
    await this.recordStatus(id, {
      status: ServerStatus.HostKeyMismatch,
      statusMessage: message,
      presentedHostKeyFingerprint: presented,
      lastCheckedAt: new Date(),
    });
  }

  async recordStatus(id: string, patch: ServerStatusPatch): Promise<void> {
    const before =
      patch.status && this.statusListeners.length > 0
        ? await this.repo.findOne({ where: { id }, select: { id: true, status: true } })
        : null;
    await this.repo.update({ id }, { ...patch, updatedAt: new Date() });
    this.changed(id);
    if (!before || before.status === patch.status) return;
    const server = await this.find(id);
    if (server) for (const listener of this.statusListeners) listener(server, before.status);
  }

  onStatusChange(listener: ServerStatusListener): void {
    this.statusListeners.push(listener);
  }

  /** After a write: `serverUpdated` subscribers (any API process) get the row as it is now. */
  private changed(id: string): void {
    this.changes.changed(ChangedRecord.Server, id);
  }

  /** Whether the pinned key is the given one (for a step that re-checks after connecting). */
  async isPinned(id: string, fingerprint: string): Promise<boolean> {
    const pinned = (await this.get(id)).hostKeyFingerprint;
    return pinned !== null && fingerprintsEqual(pinned, fingerprint);
  }

  private encryptSecrets(secrets: ServerSecrets): Pick<ServerEntity, (typeof SECRET_COLUMNS)[number]> {
    const seal = (value: string | null) => (value === null ? null : this.box.encrypt(value));
    return {
      passwordCiphertext: seal(secrets.password),
      privateKeyCiphertext: seal(secrets.privateKey),
      passphraseCiphertext: seal(secrets.passphrase),
    };
  }

  private async assertNameFree(name: string, exceptId: string | null): Promise<void> {
    const other = await this.repo.findOne({
      where: { name },
      select: { id: true },
    });
    if (other && other.id !== exceptId) throw nameTaken(name);
  }
}

function nameTaken(name: string): TomoException {
  return new TomoException(ErrorCode.Conflict, `A server named "${name}" already exists`);
}
