import type { Command } from './command.js';
import { LcError } from '../../engine/errors.js';

// Placeholder until this command is implemented.
export const command: Command = {
  name: 'status',
  summary: '(not implemented yet)',
  usage: 'lc status',
  run: async () => {
    throw new LcError('NOT_IMPLEMENTED', 'lc status is not implemented yet');
  },
};
