import type { Command } from './command.js';
import { LcError } from '../../engine/errors.js';

// Placeholder until this command is implemented.
export const command: Command = {
  name: 'verify',
  summary: '(not implemented yet)',
  usage: 'lc verify',
  run: async () => {
    throw new LcError('NOT_IMPLEMENTED', 'lc verify is not implemented yet');
  },
};
