// Every failure type of zinc, once: a class per type with a stable `name`, and what each means
// to those who key on it. Activity failures arrive serialised (only the type name survives), so
// the workflow's retry policies, the API's statuses and the CLI's exit codes all read this
// table by name. This module imports nothing, so every layer (workflows included) may use it.
//
// Kinds (DOMAIN.md's three, plus the operator's):
// - `request`: the caller asked for something refused or missing; not retried, told plainly.
// - `config`: a grading config or a delivery's inputs are at fault; retrying cannot fix it.
// - `infrastructure`: a service is down or failed; retried with backoff, waited out.
// - `setup`: this installation or command line is wrong (a config file, a missing tool).
// - `internal`: a bug in zinc's own use of a part; never a user's fault, never retried.

/** What a failure type means to the workflow, the API and the CLI. */
export interface FailureSpec {
  kind: 'request' | 'config' | 'infrastructure' | 'setup' | 'internal';
  /** HTTP status and error code the API answers with; absent: 500 internal. */
  http?: readonly [number, string];
  /** The CLI's exit code when a command ends with this failure (default 1). */
  exit?: number;
  /** In a batch, the config is at fault so every delivery would fail: the batch stops. */
  stopsBatch?: boolean;
}

/** CLI exit codes beyond 0 (done) and 1 (failed): refusals by who asks, and missing things. */
export const EXIT_NOT_ALLOWED = 3;
export const EXIT_NOT_FOUND = 4;

export const FAILURES = {
  // The caller's request.
  BadRequest: { kind: 'request', http: [400, 'bad_request'] },
  InvalidSubmissionInput: { kind: 'request', http: [400, 'bad_request'] },
  UnsafeKey: { kind: 'request', http: [400, 'bad_request'] },
  DeliveryRejected: { kind: 'request', http: [400, 'delivery_rejected'] },
  DeliveryQuotaExceeded: { kind: 'request', http: [403, 'quota_exceeded'], exit: EXIT_NOT_ALLOWED },
  Unauthorized: { kind: 'request', http: [401, 'unauthorized'], exit: EXIT_NOT_ALLOWED },
  Forbidden: { kind: 'request', http: [403, 'forbidden'], exit: EXIT_NOT_ALLOWED },
  ConfigNotAttached: {
    kind: 'config',
    http: [403, 'forbidden'],
    exit: EXIT_NOT_ALLOWED,
    stopsBatch: true,
  },
  CollectionNotFound: { kind: 'request', http: [404, 'not_found'], exit: EXIT_NOT_FOUND },
  BatchNotFound: { kind: 'request', http: [404, 'not_found'], exit: EXIT_NOT_FOUND },
  ScheduleNotFound: { kind: 'request', http: [404, 'not_found'], exit: EXIT_NOT_FOUND },
  DeliveryNotFound: { kind: 'request', http: [404, 'not_found'], exit: EXIT_NOT_FOUND },
  NotEnrolled: { kind: 'request', http: [404, 'not_found'], exit: EXIT_NOT_FOUND },
  ReportNotFound: { kind: 'request', http: [404, 'not_found'], exit: EXIT_NOT_FOUND },
  ConfigNotFound: {
    kind: 'config',
    http: [404, 'not_found'],
    exit: EXIT_NOT_FOUND,
    stopsBatch: true,
  },
  NoGradingConfig: { kind: 'request', http: [409, 'conflict'], exit: EXIT_NOT_FOUND },
  BatchEnded: { kind: 'request', http: [409, 'conflict'] },
  Conflict: { kind: 'request', http: [409, 'conflict'] },
  PayloadTooLarge: { kind: 'request', http: [413, 'payload_too_large'] },
  UnsupportedMediaType: { kind: 'request', http: [415, 'unsupported_media_type'] },
  RateLimited: { kind: 'request', http: [429, 'rate_limited'] },
  ObjectNotFound: { kind: 'request' },
  InvalidTokenRequest: { kind: 'request' },
  SectionForbidden: { kind: 'request', exit: EXIT_NOT_ALLOWED },
  SectionNotFound: { kind: 'request', exit: EXIT_NOT_FOUND },
  ImportError: { kind: 'request' },
  TimeSpecError: { kind: 'request' },
  TryInputError: { kind: 'request' },
  DemoDirNotEmpty: { kind: 'request' },
  AssetDirError: { kind: 'request' },
  UnreadableFile: { kind: 'request' },

  // A grading config, or a delivery's inputs, at fault.
  InvalidConfig: { kind: 'config', stopsBatch: true },
  PipelineConfigError: { kind: 'config', stopsBatch: true },
  ConfigAssetInvalid: { kind: 'config' },
  ConfigTooLargeError: { kind: 'config' },
  ConfigVersionError: { kind: 'config' },
  DeliveryFilesMissing: { kind: 'config' },
  DeliveryNotInCollection: { kind: 'config' },
  SandboxFilesRefused: { kind: 'config' },

  // Infrastructure: retried, waited out.
  DatabaseUnavailable: { kind: 'infrastructure', http: [503, 'unavailable'] },
  ObjectStoreUnavailable: { kind: 'infrastructure', http: [503, 'unavailable'] },
  TemporalConnectionError: { kind: 'infrastructure', http: [503, 'unavailable'] },
  EventsUnavailable: { kind: 'infrastructure' },
  SandboxUnavailable: { kind: 'infrastructure' },
  ToolchainMissing: { kind: 'infrastructure' },
  SandboxCancelled: { kind: 'infrastructure' },

  // This installation or command line.
  ConfigError: { kind: 'setup' },
  PayloadDecryption: { kind: 'setup', http: [422, 'payload_not_decryptable'] },
  TemporalCliNotFoundError: { kind: 'setup' },
  DevServerError: { kind: 'setup' },
  WorkerSetupError: { kind: 'setup' },
  DatabaseInUse: { kind: 'setup' },
  DataDirExposed: { kind: 'setup' },
  MigrationError: { kind: 'setup' },
  MigrationChecksumMismatch: { kind: 'setup' },
  ApiListenError: { kind: 'setup' },
  MetricsListenError: { kind: 'setup' },
  ConfigServiceListenError: { kind: 'setup' },
  ConfigServiceError: { kind: 'setup' },

  // zinc's own misuse of a part.
  InvalidSandboxSpec: { kind: 'internal' },
  ReportStoreReadOnly: { kind: 'internal' },
  ObjectKeyConflict: { kind: 'internal' },
  UnflattenableValue: { kind: 'internal' },
} as const satisfies Record<string, FailureSpec>;

export type FailureType = keyof typeof FAILURES;

const FAILURE_TYPES = Object.keys(FAILURES) as FailureType[];

/** The spec of a failure type name, or undefined for a name that is not zinc's. */
export function failureSpec(type: string | null | undefined): FailureSpec | undefined {
  return type !== null && type !== undefined && Object.hasOwn(FAILURES, type)
    ? (FAILURES as Record<string, FailureSpec>)[type]
    : undefined;
}

/** Whether `err` (an Error, or a serialised one) is of one of `types`, by its stable name. */
export function isFailure<T extends FailureType>(
  err: unknown,
  ...types: T[]
): err is Error & { name: T } {
  return (
    typeof err === 'object' && err !== null && types.includes((err as { name?: unknown }).name as T)
  );
}

/** Failure types retrying cannot fix: activities' `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_FAILURES: readonly FailureType[] = FAILURE_TYPES.filter(
  (t) => FAILURES[t].kind !== 'infrastructure',
);

/** Failure types that end a whole batch: the config is at fault for every delivery. */
export const BATCH_STOPPING_FAILURES: readonly FailureType[] = FAILURE_TYPES.filter(
  (t) => (FAILURES[t] as FailureSpec).stopsBatch === true,
);

/** The base of every zinc failure: its `name` is its type, fixed by the subclass. */
export abstract class ZincFailure extends Error {
  abstract override readonly name: FailureType;
}

function failure<T extends FailureType>(type: T) {
  return class extends ZincFailure {
    override readonly name: T = type;
  };
}

// The request's.
/** A request refused before anything is done: 400, with the bad fields when known. */
export class BadRequestError extends failure('BadRequest') {
  constructor(
    message: string,
    readonly fields?: { path: string; message: string }[],
  ) {
    super(message);
  }
}
/** A submission-store input that is not well-formed (IDs, limits, cursors). */
export class InvalidSubmissionInputError extends failure('InvalidSubmissionInput') {}
/** A key segment or relative path that could escape its prefix, or is otherwise unsafe. */
export class UnsafeKeyError extends failure('UnsafeKey') {}
/** A delivery refused by the submission rules (limits, names, window); nothing is kept. */
export class DeliveryRejectedError extends failure('DeliveryRejected') {}
/** A student's delivery over their quota in a collection (submission.limits); nothing is kept. */
export class DeliveryQuotaExceededError extends failure('DeliveryQuotaExceeded') {}
/** No valid token: missing, unknown, expired or revoked (401). */
export class UnauthorizedError extends failure('Unauthorized') {
  constructor(
    message: string,
    /** The user a refused token was made for (expired or revoked), for the audit log. */
    readonly userId?: string,
  ) {
    super(message);
  }
}
/** The requester may not do this (403). */
export class ForbiddenError extends failure('Forbidden') {}
/** A config version that exists but is not attached to the collection a batch grades. */
export class ConfigNotAttachedError extends failure('ConfigNotAttached') {}
/** No collection has this ID. */
export class CollectionNotFoundError extends failure('CollectionNotFound') {
  constructor(readonly collectionId: string) {
    super(`collection ${collectionId} does not exist`);
  }
}
/** No batch has this ID. */
export class BatchNotFoundError extends failure('BatchNotFound') {}
/** No delivery has this ID. */
export class ScheduleNotFoundError extends failure('ScheduleNotFound') {}

export class DeliveryNotFoundError extends failure('DeliveryNotFound') {}
/** A student named by a request is not a student of the course. */
export class NotEnrolledError extends failure('NotEnrolled') {}
/** No report for this (batch, delivery). */
export class ReportNotFoundError extends failure('ReportNotFound') {}
/** No config version has this ID. */
export class ConfigNotFoundError extends failure('ConfigNotFound') {}
/** The collection has no grading config at all, so a batch has nothing to grade with. */
export class NoGradingConfigError extends failure('NoGradingConfig') {}
/** A batch that has ended, asked to do what only a running batch can. */
export class BatchEndedError extends failure('BatchEnded') {}
/** A request that conflicts with the state of things (409). */
export class ConflictError extends failure('Conflict') {}
/** A body over a size limit: 413; the message names the part, its size and the limit. */
export class PayloadTooLargeError extends failure('PayloadTooLarge') {}
/** Too many requests from one token or address in the current minute: 429 with Retry-After. */
export class RateLimitedError extends failure('RateLimited') {
  constructor(
    message: string,
    /** Seconds until the limit lets requests through again. */
    readonly retryAfterSecs: number,
  ) {
    super(message);
  }
}
/** A body of a type the route does not read: 415. */
export class UnsupportedMediaTypeError extends failure('UnsupportedMediaType') {}
/** No object under this key. */
export class ObjectNotFoundError extends failure('ObjectNotFound') {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
  }
}
/** A token request that cannot be granted (unknown user, bad expiry). */
export class InvalidTokenRequestError extends failure('InvalidTokenRequest') {}

/** A configuration section the asking worker's component may not read: gRPC PERMISSION_DENIED. */
export class SectionForbiddenError extends failure('SectionForbidden') {}

/** A configuration section name the configuration service does not know: gRPC NOT_FOUND. */
export class SectionNotFoundError extends failure('SectionNotFound') {}
/** An import folder or archive that does not have the documented shape. */
export class ImportError extends failure('ImportError') {}
/** A time or duration on the command line that does not parse. */
export class TimeSpecError extends failure('TimeSpecError') {}
/** `zinc try` input that cannot be read as a delivery. */
export class TryInputError extends failure('TryInputError') {}
/** The demo's deliveries folder is not empty. */
export class DemoDirNotEmptyError extends failure('DemoDirNotEmpty') {
  constructor(
    readonly dir: string,
    entries: number,
  ) {
    super(`${dir} already holds ${entries} entries; the demo deliveries need an empty folder`);
  }
}
/** A config's asset folder that cannot be used (links, special files, unreadable). */
export class AssetDirError extends failure('AssetDirError') {}
/** A file named on the command line that cannot be read (missing, a folder, no permission). */
export class UnreadableFileError extends failure('UnreadableFile') {}

// The config's.
/** A stored config version whose assets do not match what was stored. */
export class ConfigAssetError extends failure('ConfigAssetInvalid') {}
/** A grading config too large or too deep to parse safely. */
export class ConfigTooLargeError extends failure('ConfigTooLargeError') {}
/** Config assets that cannot make a version (a path listed twice, a bad digest). */
export class ConfigVersionError extends failure('ConfigVersionError') {}
/** A grading config that is not valid; its problems were printed or returned beside it. */
export class InvalidConfigError extends failure('InvalidConfig') {}
/** A config whose stages cannot run as written (found while running them). */
export class PipelineConfigError extends failure('PipelineConfigError') {}
/** The delivery's files do not fit in the sandbox's /work: the delivery's problem. */
export class SandboxFilesRefusedError extends failure('SandboxFilesRefused') {}

// Infrastructure.
/** The database could not be reached or failed; callers retry. */
export class DatabaseUnavailableError extends failure('DatabaseUnavailable') {}
/** The storage was unreachable or failed; callers retry. */
export class ObjectStoreUnavailableError extends failure('ObjectStoreUnavailable') {}
/** The Temporal server could not be reached. */
export class TemporalConnectionError extends failure('TemporalConnectionError') {}
/** A payload that cannot be decrypted: its key is not configured, or it was tampered with. */
export class PayloadDecryptionError extends failure('PayloadDecryption') {}
/** NATS (the event bus) could not be reached or refused the stream; events wait in the outbox. */
export class EventsUnavailableError extends failure('EventsUnavailable') {}
/** The sandbox could not be set up on this machine (bubblewrap, cgroups, the launcher). */
/** What went wrong when a sandbox could not run: a bounded label for zinc_sandbox_failures_total. */
export type SandboxFailureKind = 'launcher' | 'cgroups' | 'start' | 'died' | 'unresponsive';
export class SandboxUnavailableError extends failure('SandboxUnavailable') {
  constructor(
    message: string,
    /** What failed; survives only in this process (activity failures carry the name alone). */
    readonly kind: SandboxFailureKind,
  ) {
    super(message);
  }
}
/** The run was cancelled through its AbortSignal; its process tree is gone. */
export class SandboxCancelledError extends failure('SandboxCancelled') {}

// Setup.
/** A configuration that does not validate; the message names every bad field. */
export class ConfigError extends failure('ConfigError') {}
/** The Temporal CLI (the embedded dev server) is not installed where zinc looks. */
export class TemporalCliNotFoundError extends failure('TemporalCliNotFoundError') {}
/** The embedded dev server did not start or stop as it should. */
export class DevServerError extends failure('DevServerError') {}
/** Workers that cannot be built as registered (duplicate names, no queue). */
export class WorkerSetupError extends failure('WorkerSetupError') {}
/** The embedded database folder is open in another live process that does not share it. */
export class DatabaseInUseError extends failure('DatabaseInUse') {
  constructor(
    message: string,
    /** The process holding it. */
    readonly holder?: number,
  ) {
    super(message);
  }
}
/** The data dir or checkout lies where the sandbox would expose it. */
export class DataDirExposedError extends failure('DataDirExposed') {}
/** A migration that failed to apply. */
export class MigrationError extends failure('MigrationError') {}
/** A migration file changed after it was applied. */
export class MigrationChecksumError extends failure('MigrationChecksumMismatch') {}
/** The HTTP API could not listen where configured. */
export class ApiListenError extends failure('ApiListenError') {}
/** The metrics endpoint could not listen where configured (telemetry.metrics.address). */
export class MetricsListenError extends failure('MetricsListenError') {}

/** The configuration service cannot listen: a port taken, an address this machine lacks. */
export class ConfigServiceListenError extends failure('ConfigServiceListenError') {}

/** A worker's configuration cannot be fetched: the core refused it or cannot be reached. */
export class ConfigServiceError extends failure('ConfigServiceError') {
  constructor(
    message: string,
    /** The gRPC status name (e.g. 'PermissionDenied'), when the core answered. */
    readonly code?: string,
  ) {
    super(message);
  }
}

// Internal.
/** A sandbox spec zinc itself got wrong (empty command, bad limit). */
export class InvalidSandboxSpecError extends failure('InvalidSandboxSpec') {}
/** A save through a report store opened on a single connection. */
export class ReportStoreReadOnlyError extends failure('ReportStoreReadOnly') {}
/** A key that is both an object and a prefix of another on disk. */
export class ObjectKeyConflictError extends failure('ObjectKeyConflict') {}

/** A configuration value that cannot be a string property (an array, say): a schema's bug. */
export class UnflattenableValueError extends failure('UnflattenableValue') {}
