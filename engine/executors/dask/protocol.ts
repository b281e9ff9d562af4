/**
 * The JSON-lines protocol spoken with python/lc_dask_bridge.py (see its docstring). Every
 * message from Python is validated here: a bridge of another version fails loudly, not oddly.
 */
import type { z } from 'zod';
import { deferred, once, zod } from '../../lazy-zod.js';

export const BRIDGE_PROTOCOL = 1;

export interface SubmitRequest {
  op: 'submit';
  id: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** Only positive amounts; the bridge drops keys no worker advertises (except gpus: does_not_fit). */
  /** Pilots with several queues add `lc-queue-<name>: 1` (engine/queues/route.ts). */
  resources: { cpus?: number; memory?: number; gpus?: number; [queue: `lc-queue-${string}`]: number };
  logPath: string;
  timeLimitS?: number;
  graceS?: number;
  /** The worker lc chose (pilots: one with room now); Dask may use another if it leaves. */
  worker?: string;
}
export type QueryOp = 'capacity' | 'utilisation' | 'info' | 'retire';
export type BridgeRequest =
  | SubmitRequest
  | { op: 'cancel'; id: string; force?: boolean }
  | { op: 'env'; env: Record<string, string> }
  | { op: QueryOp; rid: number }
  | { op: 'close' };

/**
 * Built on first use (see lazy-zod.ts), from the zod instance manifests and status use: an ESM
 * `import { z } from 'zod'` here loaded a second copy of zod (~55 ms) before a run's first
 * Dask task could be submitted.
 */
function build() {
  const z = zod();
  const num = z.number();
  const ReadySchema = z.object({
    type: z.literal('ready'),
    protocol: z.number(),
    address: z.string(),
    distributed: z.string(),
    python: z.string(),
    workers: z.number(),
  });
  /** `again`: started once more, elsewhere, after the worker it ran on was lost. */
  const StartedSchema = z.object({ type: z.literal('started'), id: z.string(), host: z.string(), startedAt: num, again: z.boolean().optional() });
  /** The session scheduler is being stopped: results of this session's tasks follow, then the end. */
  const StoppingSchema = z.object({ type: z.literal('stopping') });
  const ResultSchema = z.object({
    type: z.literal('result'),
    id: z.string(),
    host: z.string(),
    startedAt: num,
    finishedAt: num,
    exitCode: num.nullable(),
    signal: z.string().nullable(),
    reason: z.enum(['exit', 'signal', 'time_limit', 'cancelled', 'spawn_error', 'does_not_fit']),
    detail: z.string().nullable().optional(),
    cpuS: num.nullable().optional(),
    tail: z.array(z.string()).optional(),
  });
  const ReplySchema = z.object({
    type: z.literal('reply'),
    rid: z.number().nullable(),
    ok: z.boolean(),
    data: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  });
  const FatalSchema = z.object({
    type: z.literal('fatal'),
    code: z.string(),
    message: z.string(),
    hint: z.string().nullable().optional(),
  });

  const BridgeMessageSchema = z.discriminatedUnion('type', [
    ReadySchema,
    StartedSchema,
    StoppingSchema,
    ResultSchema,
    ReplySchema,
    FatalSchema,
  ]);

  const CapacitySchema = z.array(
    /** `queue`: a pilot worker's queue (its lc-queue-<name> resource); `retiresAt`: when it retires (epoch ms). */
    z.object({ host: z.string(), address: z.string(), cpus: num, memoryBytes: num, gpus: num, queue: z.string().optional(), retiresAt: num.optional() }),
  );
  const UtilisationSchema = z.array(
    z.object({
      host: z.string(),
      worker: z.string(),
      cpuPercent: num,
      memoryUsedBytes: num,
      memoryTotalBytes: num,
      gpuPercent: z.array(num),
      runningTasks: z.array(z.string()),
      cpusInUse: num,
      cpusTotal: num,
      gpusInUse: num,
      gpusTotal: num,
    }),
  );
  const InfoSchema = z.object({ address: z.string(), distributed: z.string(), workers: num });
  return { ReadySchema, ResultSchema, BridgeMessageSchema, CapacitySchema, UtilisationSchema, InfoSchema };
}

const schemas = once(build);
type Schemas = ReturnType<typeof build>;

/** The schema of every message from the bridge (called per message: no proxy in between). */
export const bridgeMessageSchema = (): Schemas['BridgeMessageSchema'] => schemas().BridgeMessageSchema;
export const ResultSchema: Schemas['ResultSchema'] = deferred(() => schemas().ResultSchema);
export const CapacitySchema: Schemas['CapacitySchema'] = deferred(() => schemas().CapacitySchema);
export const UtilisationSchema: Schemas['UtilisationSchema'] = deferred(() => schemas().UtilisationSchema);
export const InfoSchema: Schemas['InfoSchema'] = deferred(() => schemas().InfoSchema);
export type BridgeMessage = z.infer<Schemas['BridgeMessageSchema']>;
export type ReadyMessage = z.infer<Schemas['ReadySchema']>;
export type ResultMessage = z.infer<Schemas['ResultSchema']>;
