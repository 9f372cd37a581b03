// The public surface of runwatch: what is not exported here is internal.
export {
  EXECUTION_STATUSES,
  isTerminal,
  type ExecutionChange,
  type ExecutionSnapshot,
  type ExecutionStatus,
  type ExecutionUpdate,
  type StatusChange,
  type StepChange,
  type StepSnapshot,
  type StepStatus,
} from './core/model.js';
export { diff } from './core/diff.js';
export {
  DEFAULT_BACKOFF,
  backoffDelay,
  resolveBackoff,
  type BackoffOptions,
  type BackoffPolicy,
} from './core/backoff.js';
export { watchExecution, type SnapshotSource } from './core/poll.js';
export {
  LearnedDurations,
  QUEUE_STEP,
  EXECUTION_STEP,
  type DurationEstimate,
  type DurationKey,
  type DurationSample,
  type LearnedDurationsJSON,
  type LearnedDurationsOptions,
} from './core/learned.js';
export { samplesFrom } from './core/samples.js';
export {
  briskDelay,
  dueScore,
  nextPollDelay,
  relaxedDelay,
  type CadenceDecision,
  type CadenceState,
} from './core/cadence.js';
export type { StalledChange } from './core/stall.js';
export { watchList, type ListSource } from './core/list.js';
export type { WatchOptions } from './core/watch-options.js';
export type { RateLimitOptions } from './core/budget.js';
export {
  AuthenticationError,
  ConfigError,
  ExecutionFailedError,
  HttpError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ResponseValidationError,
  RunwatchError,
  TimeoutError,
  errorFromStatus,
  type RunwatchErrorOptions,
  type ValidationIssue,
} from './core/errors.js';
export {
  isAuthenticationError,
  isConfigError,
  isExecutionFailedError,
  isHttpError,
  isNetworkError,
  isNotFoundError,
  isRateLimitError,
  isResponseValidationError,
  isRunwatchError,
  isTimeoutError,
} from './core/error-guards.js';
export { untilTerminal } from './operators/until-terminal.js';
export { stepChanges } from './operators/step-changes.js';
export { statusChanges } from './operators/status-changes.js';
export { throwOnFailure } from './operators/throw-on-failure.js';
export { progress, type Progress } from './operators/progress.js';
export { mergeExecutions, type MergeExecutionsOptions } from './operators/merge-executions.js';
export {
  aggregateProgress,
  type AggregateProgress,
  type AggregateProgressOptions,
} from './operators/aggregate-progress.js';
export { waitForTerminal } from './operators/wait-for-terminal.js';
export {
  fromRelay,
  type EventSourceConstructor,
  type EventSourceLike,
  type FromRelayOptions,
  type RelayEvent,
} from './relay/from-relay.js';
export type { ErrorDetails } from './transport/http.js';
export type { Endpoint, ProviderAdapter, ProviderRequest, Schema, SchemaIssue } from './providers/adapter.js';
export {
  createClient,
  type CallOptions,
  type Client,
  type ClientOptions,
  type SnapshotTransform,
  type StartOptions,
} from './providers/client.js';
export type { WatchEvent, WatchEventReason } from './core/events.js';
export {
  datalab,
  normalizeDatalab,
  DatalabExecution,
  DatalabStep,
  DatalabExecuteResponse,
  DatalabErrorBody,
  type DatalabClient,
  type DatalabSnapshot,
  type DatalabWatchOptions,
} from './providers/datalab/index.js';
export {
  modelslab,
  normalizeModelsLab,
  ModelsLabExecution,
  ModelsLabRunResponse,
  ModelsLabCancelResponse,
  ModelsLabErrorBody,
  type ModelsLabClient,
  type ModelsLabSnapshot,
  type ModelsLabRef,
} from './providers/modelslab/index.js';
export {
  eachlabs,
  normalizeEachLabs,
  EachLabsExecution,
  EachLabsStepOutput,
  EachLabsExecutionList,
  EachLabsExecutionSummary,
  EachLabsTriggerResponse,
  EachLabsErrorBody,
  type EachLabsSnapshot,
  type EachLabsBulkSnapshot,
  type EachLabsClient,
  type EachLabsOptions,
  type EachLabsTriggerBody,
  type EachLabsListQuery,
  type BulkWatchOptions,
  type ExecutionPage,
  type ExecutionSummary,
} from './providers/eachlabs/index.js';
export { scrub } from './transport/redact.js';
export { stringifyJson } from './internal/json.js';
export { parseWebhook, type WebhookByProvider } from './providers/webhooks.js';
export { ModelsLabWebhookBody, type ModelsLabWebhook } from './providers/modelslab/webhook.js';
export {
  verifyEachLabsWebhook,
  type EachLabsWebhook,
  type VerifyEachLabsWebhookOptions,
  type WebhookVerification,
} from './providers/eachlabs/webhook.js';
