import type { AppNode } from '../../adapters/http/app.js';

/** An app node with no projections and no GPIO, for HTTP fixtures that exercise only the journal's routes. */
export const stubAppNode: AppNode = {
  runner: () => {
    throw new TypeError('no projections in this fixture');
  },
  gpio: undefined,
  setGpioMode: async () => undefined,
  writeGpio: async () => undefined,
};
