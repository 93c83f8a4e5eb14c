// browser.d.ts under Node's resolution: the package is "type": "commonjs", so TypeScript reads
// browser.d.ts as CommonJS and a default import is the whole module here; bundler users (the
// real browser case) get `init` as the default: see tests/types/browser/. The named `init` works
// in both.
import { init, evaluate, compileRule, type BrowserApi, type InitInput, type Verdict } from '../../browser.js';

const input: InitInput = new URL('https://example.test/external_ip_lookup_rule_bg.wasm');
const api: BrowserApi = await init(input);
await init(fetch('https://example.test/x.wasm'));
const v: Verdict = evaluate({ event: { category: ['network'] } });
const rule = compileRule({ version: '102' });
console.log(api.versions(), v.summary, rule.info.rule_id);
