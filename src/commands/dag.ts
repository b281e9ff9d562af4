import type { Command } from './command.js';
import { LcError } from '../../engine/errors.js';

// Placeholder until this command is implemented.
export const command: Command = {
  name: 'dag',
  summary: '(not implemented yet)',
  usage: 'lc dag',
  run: async () => {
    throw new LcError('NOT_IMPLEMENTED', 'lc dag is not implemented yet');
  },
};
