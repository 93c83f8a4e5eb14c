// ES module user (`import` condition): named imports and the default import (the whole API).
import api, { compileRule, evaluate, matches, scanNdjson, versions, type Verdict, type RuleError } from 'external-ip-lookup-rule';

const v: Verdict = evaluate('{"event":{"category":"network"}}');
const same: Verdict = api.evaluate({ event: { category: 'network' } });
const rule = api.compileRule({ version: '4' });
const m: boolean = matches({}) || rule.matches({});
const n: number = scanNdjson('\n').counts.blank + api.scanNdjson(new Uint8Array()).counts.lines;
const versionsSame = versions().length === api.versions().length;
const r = compileRule({ version: '108' });
const e: RuleError | undefined = undefined;
console.log(v.matched, same.rule.version, m, n, versionsSame, r.info.building_block_type, e);
