import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LcError } from '../engine/errors.js';
import { didYouMean } from './suggest.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with usage errors turned into LcError('USAGE') (exit 2) that name the
 * command, so every subcommand reports bad flags the same way.
 */
export function parseCommandArgs<O extends Options>(cmd: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new LcError('USAGE', `lc ${cmd}: ${parseError(e, options)}`, { hint: `see lc ${cmd} --help` });
  }
}

/** node:util's message in one line of ours; an unknown option with the nearest known one. */
function parseError(e: unknown, options: Options): string {
  const msg = e instanceof Error ? e.message : String(e);
  const unknown = /^Unknown option '([^']+)'/.exec(msg);
  if (unknown) {
    const typed = unknown[1] as string;
    const known = Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
    return `unknown option ${typed}${didYouMean(typed, known)}`;
  }
  // the first sentence: the rest is advice about `--` that fits node, not lc
  return (msg.split(/\.\s/)[0] ?? msg).replace(/\.$/, '');
}

/** Options every command that selects tasks accepts. */
export const SELECT_OPTIONS = {
  universe: { type: 'string', short: 'u', multiple: true },
  'no-color': { type: 'boolean' },
  color: { type: 'boolean' },
} as const;
