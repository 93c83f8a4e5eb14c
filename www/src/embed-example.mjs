// The smallest embedding of the viewer plugin: a host page renders a plain table of events its
// own way, then one call flags the rows the rule alerts on. (Built into www/dist/ by
// scripts/build-www.mjs; in an application, import from 'external-ip-lookup-rule/viewer'.)
import { createViewerPlugin } from '../../js/viewer.mjs';
import { PRESETS } from './presets.mjs';
import { hostileEvent } from './generate.mjs';

const events = [...PRESETS.map((p) => p.event), hostileEvent()];

// The host's own rendering (text only, as any viewer of untrusted logs must do).
const tbody = document.querySelector('#host-table tbody');
for (const e of events) {
  const tr = document.createElement('tr');
  const get = (path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), e) ?? e[path] ?? '';
  for (const path of ['@timestamp', 'process.name', 'user.name', 'dns.question.name']) {
    const td = document.createElement('td');
    td.textContent = String(get(path));
    tr.append(td);
  }
  tbody.append(tr);
}

// The plugin: loads the WebAssembly module next to this bundle, then marks the table.
const plugin = await createViewerPlugin({ wasm: new URL('./external_ip_lookup_rule_bg.wasm', import.meta.url) });
const alerts = plugin.markTable(document.querySelector('#host-table'), events);
const status = document.querySelector('#embed-status');
status.textContent = `${alerts} of ${events.length} rows are alerts (click a badge for the reasons).`;
status.dataset.alerts = String(alerts);
document.body.dataset.ready = 'true';
