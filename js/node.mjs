// Node.js, ES module: import { evaluate } from 'external-ip-lookup-rule'. The same instance as the
// CommonJS entry, so both styles in one process share one module and one default rule.
import api from './node.cjs';

export const { Rule, compileRule, evaluate, matches, packs, scanNdjson, suggestException, versions } = api;
export const { fieldValues, queryTokens, tunableLists, knownFields, createScanner } = api;
export default api;
