import type { Command } from './command.js';
import { LcError } from '../../engine/errors.js';

// Placeholder until this command is implemented.
export const command: Command = {
  name: 'scheduler',
  summary: '(not implemented yet)',
  usage: 'lc scheduler',
  run: async () => {
    throw new LcError('NOT_IMPLEMENTED', 'lc scheduler is not implemented yet');
  },
};
