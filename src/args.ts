import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LcError } from '../engine/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with usage errors turned into LcError('USAGE') (exit 2) that name the
 * command, so every subcommand reports bad flags the same way.
 */
export function parseCommandArgs<O extends Options>(cmd: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new LcError('USAGE', `lc ${cmd}: ${msg}`, { hint: `see lc ${cmd} --help` });
  }
}

/** Options every command that selects tasks accepts. */
export const SELECT_OPTIONS = {
  universe: { type: 'string', short: 'u', multiple: true },
  'no-color': { type: 'boolean' },
  color: { type: 'boolean' },
} as const;
