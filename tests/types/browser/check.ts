// Browser user through a bundler: `import init, { ... } from 'external-ip-lookup-rule'` resolves
// to browser.d.mts by the `browser` condition. Without @types/node (this project's `types` is
// empty, and nothing the browser declarations reach references Node's types).
import * as browserEntry from 'external-ip-lookup-rule';
import init, {
  init as namedInit,
  evaluate,
  compileRule,
  versions,
  type BrowserApi,
  type InitInput,
  type Verdict,
} from 'external-ip-lookup-rule';

const input: InitInput = new URL('https://example.test/external_ip_lookup_rule_bg.wasm');
const api: BrowserApi = await init(input);
await namedInit();
await init(fetch('https://example.test/x.wasm'));
const v: Verdict = evaluate({ event: { category: ['network'] } });
const rule = compileRule({ version: '102' });
console.log(api.versions(), versions()[0]?.stack, v.summary, rule.info.rule_id);
// @ts-expect-error: the Rule class is a type only in the browser entry (browser.mjs does not export it)
console.log(browserEntry.Rule);
// @ts-expect-error: Node's globals are not declared: the browser types do not pull in @types/node
console.log(typeof Buffer);
