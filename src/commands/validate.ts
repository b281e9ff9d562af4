import type { Command } from './command.js';
import { LcError } from '../../engine/errors.js';

// Placeholder until this command is implemented.
export const command: Command = {
  name: 'validate',
  summary: '(not implemented yet)',
  usage: 'lc validate',
  run: async () => {
    throw new LcError('NOT_IMPLEMENTED', 'lc validate is not implemented yet');
  },
};
