import type { Command } from './command.js';
import { LcError } from '../../engine/errors.js';

// Placeholder until this command is implemented.
export const command: Command = {
  name: 'run',
  summary: '(not implemented yet)',
  usage: 'lc run',
  run: async () => {
    throw new LcError('NOT_IMPLEMENTED', 'lc run is not implemented yet');
  },
};
