// A deterministic (seeded) stream of Elastic Defend-like ECS events for benchmarks and tests.
//
//   import { generateEvents, toNdjson, MIX } from './generate.mjs';
//   const events = generateEvents(30000, { seed: 42 });
//
// The mix is what an endpoint index holds: mostly process, file, network-connection and registry
// events; a few per cent DNS events (`lookup_requested` and `lookup_result`). A few per cent of all
// events are lookups of the IP-lookup services the rule lists, some of them by programs or
// accounts the rule excludes, some in upper case, with a trailing dot, or a look-alike name, so
// that every clause of the rule decides some events. Field layout follows Elastic's field
// inventory of Windows `lookup_requested` events (elastic/endpoint-package,
// custom_documentation/src/endpoint/data_stream/network/windows/windows_network_dns_lookup_requested.yaml)
// and the package's sample network event; the values are invented. Each event is 0.8-1.5 KB of JSON.

/** Share of each kind of event, in per cent (they add up to 100). */
export const MIX = Object.freeze({
  process: 30,
  file: 25,
  network_connection: 19,
  registry: 18,
  dns_result: 2,
  dns_ordinary: 3,
  dns_ip_lookup: 3,
});

/**
 * The mixes `npm run bench` measures, each a different stream (`generateEvents(n, { mix })`):
 * - `endpoint`: {@link MIX}, the compact events above (the default).
 * - `network`: what a network-heavy index holds: 90% network events that are not DNS lookups
 *   (connections, some with `network.protocol` "http" or "tls", lookup results), 8% lookups of
 *   ordinary names, 2% lookups of the IP-lookup services; every event in the large shape.
 * - `dns`: a resolver-heavy stream: 60% DNS events (lookup results, ordinary lookups, lookups of
 *   the services), the rest process, file and connection events; the large shape.
 *
 * The large shape is what Elastic Defend writes with its full process and host objects: a process
 * with its parent, arguments, code signature and ancestry, a host with arrays of IPv4 and IPv6
 * addresses and MACs, 1.6-1.9 KB per event, and the keys of every object in a different
 * (random) order from one event to the next.
 */
export const MIXES = Object.freeze({
  endpoint: MIX,
  network: Object.freeze({ network_connection: 84, dns_result: 6, dns_ordinary: 8, dns_ip_lookup: 2 }),
  dns: Object.freeze({ process: 15, file: 10, network_connection: 15, dns_result: 20, dns_ordinary: 30, dns_ip_lookup: 10 }),
});

/** Domains the rule looks for, as a malware sample or a script would query them. */
const IP_LOOKUP_DOMAINS = [
  'api.ipify.org',
  'api64.ipify.org',
  'freegeoip.app',
  'checkip.amazonaws.com',
  'checkip.dyndns.org',
  'icanhazip.com',
  'ipv4.icanhazip.com',
  'ifconfig.me',
  'ifconfig.co',
  'ipecho.net',
  'ipgeoapi.com',
  'ipinfo.io',
  'ip.anysrc.net',
  'myexternalip.com',
  'www.myipaddress.com',
  'showipaddress.com',
  'whatismyipaddress.com',
  'wtfismyip.com',
  'ipapi.co',
  'extreme-ip-lookup.net',
  'api.ipstack.com',
];

/** Near misses: a trailing dot, a look-alike, a suffix after the name. None matches. */
const NEAR_MISSES = ['api.ipify.org.', 'ifconfigme.net', 'ipinfo.io.evil.example', 'myipaddress.co', 'ipapi.com'];

const ORDINARY_DOMAINS = [
  'www.google.com',
  'login.microsoftonline.com',
  'settings-win.data.microsoft.com',
  'ctldl.windowsupdate.com',
  'outlook.office365.com',
  'teams.microsoft.com',
  'github.com',
  'registry.npmjs.org',
  'cdn.jsdelivr.net',
  'artifacts.elastic.co',
  'wpad.corp.example',
  'dc01.corp.example',
  'fileserver.corp.example',
  'ocsp.digicert.com',
  'slack.com',
  'zoom.us',
  'update.googleapis.com',
  'api.github.com',
];

/** Programs that look things up and are not excluded. */
const SUSPECT_PROGRAMS = [
  ['powershell.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'],
  ['curl.exe', 'C:\\Windows\\System32\\curl.exe'],
  ['cmd.exe', 'C:\\Windows\\System32\\cmd.exe'],
  ['rundll32.exe', 'C:\\Windows\\System32\\rundll32.exe'],
  ['wermgr.exe', 'C:\\Users\\{user}\\AppData\\Local\\Temp\\wermgr.exe'],
  ['svchost.exe', 'C:\\Users\\Public\\svchost.exe'],
  ['update.exe', 'C:\\ProgramData\\updater\\update.exe'],
  ['python.exe', 'C:\\Users\\{user}\\AppData\\Local\\Programs\\Python\\Python311\\python.exe'],
  ['nc64.exe', 'D:\\tools\\nc64.exe'],
];

/** Programs the rule excludes (any drive letter, any case). */
const EXCLUDED_PROGRAMS = [
  ['chrome.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'],
  ['firefox.exe', 'C:\\Program Files\\Mozilla Firefox\\firefox.exe'],
  ['Teams.exe', 'c:\\program files (x86)\\Microsoft\\Teams\\current\\Teams.exe'],
  ['chrome.exe', 'C:\\Users\\{user}\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe'],
  ['Code.exe', 'C:\\Users\\{user}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe'],
  ['OneDrive.exe', 'C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe'],
  ['MsMpEng.exe', 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2302.7-0\\MsMpEng.exe'],
  ['smartscreen.exe', 'C:\\Windows\\System32\\smartscreen.exe'],
  ['WWAHost.exe', 'D:\\Windows\\System32\\WWAHost.exe'],
];

/** Ordinary Windows programs for process, file, network and registry events. */
const COMMON_PROGRAMS = [
  ['explorer.exe', 'C:\\Windows\\explorer.exe'],
  ['svchost.exe', 'C:\\Windows\\System32\\svchost.exe'],
  ['msedge.exe', 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe'],
  ['OUTLOOK.EXE', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE'],
  ['WINWORD.EXE', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE'],
  ['SearchIndexer.exe', 'C:\\Windows\\System32\\SearchIndexer.exe'],
  ['taskhostw.exe', 'C:\\Windows\\System32\\taskhostw.exe'],
  ['conhost.exe', 'C:\\Windows\\System32\\conhost.exe'],
  ['MsMpEng.exe', 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2302.7-0\\MsMpEng.exe'],
  ['lsass.exe', 'C:\\Windows\\System32\\lsass.exe'],
  ['services.exe', 'C:\\Windows\\System32\\services.exe'],
  ['TiWorker.exe', 'C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35\\TiWorker.exe'],
];

const USERS = [
  ['alice', 'CORP', 'S-1-5-21-3541430928-2051711210-1391384369-1001'],
  ['bob', 'CORP', 'S-1-5-21-3541430928-2051711210-1391384369-1104'],
  ['carol', 'CORP', 'S-1-5-21-3541430928-2051711210-1391384369-1188'],
  ['svc_backup', 'CORP', 'S-1-5-21-3541430928-2051711210-1391384369-2301'],
  ['SYSTEM', 'NT AUTHORITY', 'S-1-5-18'],
];
const LOCAL_SERVICE = ['LOCAL SERVICE', 'NT AUTHORITY', 'S-1-5-19'];
const NETWORK_SERVICE = ['NETWORK SERVICE', 'NT AUTHORITY', 'S-1-5-20'];

const FILE_PATHS = [
  'C:\\Users\\{user}\\Documents\\Q3 report.docx',
  'C:\\Users\\{user}\\Downloads\\invoice_2023_0412.pdf',
  'C:\\Windows\\Temp\\MpCmdRun.log',
  'C:\\Users\\{user}\\AppData\\Local\\Temp\\~DF3A41.tmp',
  'C:\\ProgramData\\Microsoft\\Windows\\WER\\ReportQueue\\Report.wer',
  'C:\\Users\\{user}\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\notes.lnk',
  'C:\\Windows\\Prefetch\\SVCHOST.EXE-135A30D8.pf',
  'D:\\shares\\finance\\budget.xlsx',
];

const REGISTRY_PATHS = [
  'HKEY_USERS\\{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.docx',
  'HKLM\\SYSTEM\\ControlSet001\\Services\\bam\\State\\UserSettings\\{sid}\\\\Device\\HarddiskVolume3\\Windows\\explorer.exe',
  'HKEY_USERS\\{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive',
  'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated',
];

const HOSTS = Array.from({ length: 40 }, (_, i) => {
  const n = String(i + 1).padStart(3, '0');
  return {
    name: `WS-${n}`,
    id: `c1f8a3f2-1b4e-4e6e-9a31-${(0x2f2b3c1d9e00 + i).toString(16).padStart(12, '0')}`,
    ip: `10.20.${Math.floor(i / 10)}.${20 + i}`,
  };
});

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX = '0123456789abcdef';

/** mulberry32: a small, fast, seeded PRNG (floats in [0, 1)). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates `n` events. Deterministic: the same `n` and `seed` give the same events.
 * @param {number} n
 * @param {{ seed?: number, mix?: 'endpoint' | 'network' | 'dns' }} [options]
 * @returns {object[]}
 */
export function generateEvents(n, { seed = 20230314, mix = 'endpoint' } = {}) {
  if (!Object.hasOwn(MIXES, mix)) throw new Error(`unknown mix ${mix}; known: ${Object.keys(MIXES).join(', ')}`);
  const large = mix !== 'endpoint';
  const rnd = prng(seed);
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const chance = (p) => rnd() < p;
  const str = (alphabet, len) => {
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  const kinds = Object.entries(MIXES[mix]);
  const pickKind = () => {
    let r = rnd() * 100;
    for (const [k, w] of kinds) {
      if ((r -= w) < 0) return k;
    }
    return kinds[0][0];
  };

  const start = Date.UTC(2023, 2, 14, 8, 0, 0);
  const events = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = start + i * 37 + int(0, 30);
    const ts = new Date(t).toISOString();
    const host = pick(HOSTS);
    const user = pick(USERS);
    const kind = pickKind();
    const base = {
      '@timestamp': ts,
      agent: { id: host.id.replace('c1f8', '6d0c'), type: 'endpoint', version: '8.6.2' },
      data_stream: { dataset: '', namespace: 'default', type: 'logs' },
      ecs: { version: '8.6.0' },
      event: {
        action: '',
        category: [],
        created: ts,
        dataset: '',
        id: `MvXr5hK8bM0sAq7a++++${str(B64, 4)}`,
        ingested: new Date(t + 2000).toISOString().replace(/\.\d+Z$/, 'Z'),
        kind: 'event',
        module: 'endpoint',
        outcome: 'success',
        sequence: 100000 + i,
        type: [],
      },
      host: {
        hostname: host.name.toLowerCase(),
        id: host.id,
        ip: [host.ip],
        name: host.name,
        os: {
          family: 'windows',
          name: 'Windows',
          platform: 'windows',
          type: 'windows',
          version: '22H2',
        },
      },
      message: '',
    };
    const withUser = (u) => ({ domain: u[1], id: u[2], name: u[0] });
    const signed = { code_signature: { exists: true, subject_name: 'Microsoft Windows', trusted: true } };
    const proc = ([name, exe], u, extra = {}) => ({
      entity_id: str(B64, 56),
      executable: exe.replace('{user}', u[0]),
      name,
      pid: int(300, 14000),
      ...extra,
    });

    let ev;
    switch (kind) {
      case 'process': {
        const p = pick(COMMON_PROGRAMS);
        const parent = pick(COMMON_PROGRAMS);
        ev = {
          ...base,
          event: {
            ...base.event,
            action: pick(['start', 'end', 'fork']),
            category: ['process'],
            type: ['start'],
            dataset: 'endpoint.events.process',
          },
          data_stream: { ...base.data_stream, dataset: 'endpoint.events.process' },
          message: 'Endpoint process event',
          process: proc(p, user, {
            command_line: `"${p[1]}" /${str('abcdefghijklmnop', int(3, 12))}`,
            hash: { sha256: str(HEX, 64) },
            parent: { executable: parent[1], name: parent[0], pid: int(300, 14000) },
          }),
          user: withUser(user),
        };
        break;
      }
      case 'file': {
        const p = pick(COMMON_PROGRAMS);
        const path = pick(FILE_PATHS).replace('{user}', user[0]);
        const name = path.slice(path.lastIndexOf('\\') + 1);
        ev = {
          ...base,
          event: {
            ...base.event,
            action: pick(['creation', 'modification', 'deletion', 'rename']),
            category: ['file'],
            type: ['change'],
            dataset: 'endpoint.events.file',
          },
          data_stream: { ...base.data_stream, dataset: 'endpoint.events.file' },
          message: 'Endpoint file event',
          file: { extension: name.split('.').pop(), name, path, size: int(100, 4000000) },
          process: proc(p, user),
          user: withUser(user),
        };
        break;
      }
      case 'network_connection': {
        const p = pick([...COMMON_PROGRAMS, ...SUSPECT_PROGRAMS]);
        const dport = pick([443, 443, 443, 80, 445, 135, 3389, 8080]);
        ev = {
          ...base,
          event: {
            ...base.event,
            action: pick(['connection_attempted', 'connection_accepted', 'disconnect_received']),
            category: ['network'],
            type: ['start'],
            dataset: 'endpoint.events.network',
          },
          data_stream: { ...base.data_stream, dataset: 'endpoint.events.network' },
          message: 'Endpoint network event',
          destination: { address: `52.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`, ip: '', port: dport, bytes: int(0, 90000) },
          source: { address: host.ip, ip: host.ip, port: int(49152, 65535), bytes: int(0, 9000) },
          network: { direction: 'egress', transport: 'tcp', type: 'ipv4' },
          process: proc(p, user),
          user: withUser(user),
        };
        ev.destination.ip = ev.destination.address;
        break;
      }
      case 'registry': {
        const p = pick(COMMON_PROGRAMS);
        const path = pick(REGISTRY_PATHS).replace('{sid}', user[2]);
        ev = {
          ...base,
          event: { ...base.event, action: 'modification', category: ['registry'], type: ['change'], dataset: 'endpoint.events.registry' },
          data_stream: { ...base.data_stream, dataset: 'endpoint.events.registry' },
          message: 'Endpoint registry event',
          registry: {
            data: { strings: [str(HEX, int(8, 40))], type: 'REG_SZ' },
            hive: path.startsWith('HKLM') ? 'HKLM' : 'HKU',
            path,
            value: path.slice(path.lastIndexOf('\\') + 1),
          },
          process: proc(p, user),
          user: withUser(user),
        };
        break;
      }
      default: {
        // DNS: a lookup result, a lookup of an ordinary domain, or a lookup of an IP-lookup service.
        let program = pick([...SUSPECT_PROGRAMS, ...COMMON_PROGRAMS]);
        let who = user;
        let domain = pick(ORDINARY_DOMAINS);
        let action = kind === 'dns_result' ? 'lookup_result' : 'lookup_requested';
        if (kind === 'dns_ip_lookup') {
          domain = pick(IP_LOOKUP_DOMAINS);
          program = pick(SUSPECT_PROGRAMS);
          const r = rnd();
          if (r < 0.25)
            program = pick(EXCLUDED_PROGRAMS); // excluded program
          else if (r < 0.32)
            who = chance(0.5) ? LOCAL_SERVICE : NETWORK_SERVICE; // excluded account
          else if (r < 0.42)
            domain = pick(NEAR_MISSES); // not a listed service
          else if (r < 0.5)
            domain = domain.toUpperCase(); // `:` ignores case
          else if (r < 0.53) action = 'lookup_result'; // not a request
        }
        const proto = kind === 'dns_ip_lookup' && rnd() < 0.02 ? 'DNS' : 'dns'; // `==` is case-sensitive
        ev = {
          ...base,
          event: {
            ...base.event,
            action,
            category: ['network'],
            type: ['protocol', 'info'],
            outcome: 'unknown',
            dataset: 'endpoint.events.network',
          },
          data_stream: { ...base.data_stream, dataset: 'endpoint.events.network' },
          message: 'Endpoint DNS event',
          dns: { Ext: { options: '0x0000000000000000', status: 0 }, question: { name: domain, type: pick(['A', 'AAAA']) } },
          destination: { port: 53 },
          network: { protocol: proto, destination: { port: 53 } },
          process: proc(program, who, signed),
          user: withUser(who),
        };
        if (action === 'lookup_result') ev.dns.resolved_ip = [`104.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`];
        // A few lookups lack fields the rule reads: a missing user.id passes `not in`, a missing
        // executable passes `not ... :`.
        if (kind === 'dns_ip_lookup' && chance(0.05)) delete ev.user.id;
        if (kind === 'dns_ip_lookup' && chance(0.05)) delete ev.process.executable;
      }
    }
    events[i] = large ? enlarge(ev, host, { rnd, int, pick, str }) : ev;
  }
  return events;
}

const PARENTS = [
  ['services.exe', 'C:\\Windows\\System32\\services.exe'],
  ['explorer.exe', 'C:\\Windows\\explorer.exe'],
  ['svchost.exe', 'C:\\Windows\\System32\\svchost.exe'],
  ['userinit.exe', 'C:\\Windows\\System32\\userinit.exe'],
];

/**
 * The large shape of an event (see {@link MIXES}): full process and host objects, arrays of IPs,
 * other protocols on some connections, and every object's keys in a random order.
 */
function enlarge(ev, host, { rnd, int, pick, str }) {
  const n = ev.host.name.slice(3);
  ev.host = {
    ...ev.host,
    architecture: 'x86_64',
    ip: [host.ip, `fe80::${str(HEX, 4)}:${str(HEX, 4)}:fe12:${n}`, '127.0.0.1'],
    mac: [`00-50-56-${int(10, 99)}-${int(10, 99)}-${n.slice(1)}`],
    os: { ...ev.host.os, full: 'Windows 11 Enterprise 22H2 (10.0.22621.2715)', kernel: '22H2 (10.0.22621.2715)' },
  };
  if (ev.process) {
    const [pname, pexe] = pick(PARENTS);
    const exe = ev.process.executable ?? `C:\\Windows\\System32\\${ev.process.name}`;
    ev.process = {
      ...ev.process,
      args: [exe, ...(rnd() < 0.5 ? ['-k', 'netsvcs'] : ['/c', str('abcdefghijklmnop', int(4, 10))])],
      code_signature: ev.process.code_signature ?? { exists: true, subject_name: 'Microsoft Windows', trusted: true },
      parent: { executable: pexe, name: pname, pid: int(300, 14000) },
      Ext: { ancestry: [str(B64, 56)] },
    };
  }
  if (ev.event.action.startsWith('connection') || ev.event.action === 'disconnect_received') {
    const r = rnd();
    if (r < 0.2) ev.network.protocol = 'http';
    else if (r < 0.4) ev.network.protocol = 'tls';
    ev.source.ip = [ev.source.ip];
  }
  return shuffled(ev, rnd);
}

/** A copy of `v` with every object's keys in a random order (arrays keep theirs). */
function shuffled(v, rnd) {
  if (Array.isArray(v)) return v.map((x) => shuffled(x, rnd));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const out = {};
  for (const k of keys) out[k] = shuffled(v[k], rnd);
  return out;
}

/** NDJSON text of `events`, one line each, with a final line break. */
export function toNdjson(events) {
  let out = '';
  for (const e of events) out += JSON.stringify(e) + '\n';
  return out;
}
