// browser.d.mts by its path: an ES module declaration (as js/browser.mjs is an ES module), so the
// default import is `init` here as for bundler users (tests/types/browser/).
import initDefault, { init, evaluate, compileRule, type BrowserApi, type InitInput, type Verdict } from '../../browser.mjs';

const input: InitInput = new URL('https://example.test/external_ip_lookup_rule_bg.wasm');
const api: BrowserApi = await init(input);
const same: BrowserApi = await initDefault();
await init(fetch('https://example.test/x.wasm'));
const v: Verdict = evaluate({ event: { category: ['network'] } });
const rule = compileRule({ version: '102' });
console.log(api.versions(), same.packs(), v.summary, rule.info.rule_id);
