// Type declarations for `external-ip-lookup-rule` in Node.js, ES module (`import`): the named
// exports of the CommonJS entry, and the default export, the whole API (js/node.mjs exports both,
// from one instance).

import * as api from './node.js';

export * from './node.js';
export default api;
