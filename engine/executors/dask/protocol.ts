/**
 * The JSON-lines protocol spoken with python/lc_dask_bridge.py (see its docstring). Every
 * message from Python is validated here: a bridge of another version fails loudly, not oddly.
 */
import { z } from 'zod';

export const BRIDGE_PROTOCOL = 1;

export interface SubmitRequest {
  op: 'submit';
  id: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** Only positive amounts; the bridge drops keys no worker advertises (except gpus: does_not_fit). */
  resources: { cpus?: number; memory?: number; gpus?: number };
  logPath: string;
  timeLimitS?: number;
  graceS?: number;
}
export type QueryOp = 'capacity' | 'utilisation' | 'info' | 'retire';
export type BridgeRequest =
  | SubmitRequest
  | { op: 'cancel'; id: string; force?: boolean }
  | { op: 'env'; env: Record<string, string> }
  | { op: QueryOp; rid: number }
  | { op: 'close' };

const num = z.number();
const ReadySchema = z.object({
  type: z.literal('ready'),
  protocol: z.number(),
  address: z.string(),
  distributed: z.string(),
  python: z.string(),
  workers: z.number(),
});
const StartedSchema = z.object({ type: z.literal('started'), id: z.string(), host: z.string(), startedAt: num });
export const ResultSchema = z.object({
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

export const BridgeMessageSchema = z.discriminatedUnion('type', [
  ReadySchema,
  StartedSchema,
  ResultSchema,
  ReplySchema,
  FatalSchema,
]);
export type BridgeMessage = z.infer<typeof BridgeMessageSchema>;
export type ReadyMessage = z.infer<typeof ReadySchema>;
export type ResultMessage = z.infer<typeof ResultSchema>;

export const CapacitySchema = z.array(
  z.object({ host: z.string(), address: z.string(), cpus: num, memoryBytes: num, gpus: num }),
);
export const UtilisationSchema = z.array(
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
export const InfoSchema = z.object({ address: z.string(), distributed: z.string(), workers: num });
