// Browsers, ES module. The module must be fetched and instantiated before use:
//
//   import { init, evaluate } from 'external-ip-lookup-rule';
//   await init();                 // or init(urlOrBytesOfTheWasm)
//   evaluate(event);
import initWasm, * as bindings from '../pkg/web/external_ip_lookup_rule.js';
import factory from '../pkg/web/api.mjs';

let api;
let loading;

/** Loads the WebAssembly module (once); `input` is a URL, Response, bytes or WebAssembly.Module. */
export function init(input) {
  if (api) return Promise.resolve(api);
  if (!loading) {
    loading = initWasm(input === undefined ? undefined : { module_or_path: input }).then(() => {
      // After a trap, the same glue makes a new instance of the same module (scripts/build-wasm.sh
      // adds `__reinstantiate`); rules hold handles, never pointers into the old instance.
      api = factory.makeApi(bindings, () => {
        bindings.__reinstantiate();
        return bindings;
      });
      return api;
    });
  }
  return loading;
}

function ready() {
  if (!api) {
    const e = new Error('external-ip-lookup-rule: call `await init()` before using it in the browser');
    e.code = 'not_initialized';
    throw e;
  }
  return api;
}

export const compileRule = (options) => ready().compileRule(options);
export const evaluate = (event) => ready().evaluate(event);
export const matches = (event) => ready().matches(event);
export const scanNdjson = (bytes) => ready().scanNdjson(bytes);
export const versions = () => ready().versions();
export const packs = () => ready().packs();
export const fieldValues = (event, path) => ready().fieldValues(event, path);
export const queryTokens = (query) => ready().queryTokens(query);
export const tunableLists = (query) => ready().tunableLists(query);
export const knownFields = () => ready().knownFields();
export const suggestException = (falsePositives, truePositives, options) =>
  ready().suggestException(falsePositives, truePositives, options);
export default init;
