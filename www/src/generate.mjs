// Deterministic synthetic ECS DNS events for the log-viewer demo and its tests: mostly ordinary
// lookups, a few per cent of the lookups the rule exists for, and the near misses it must leave
// alone (browsers, service accounts, `DNS` in capitals, lookup results, trailing dots, ...).
// Pure data: no DOM, runs in Node too.

/** mulberry32: a small seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTS = ['WS-001', 'WS-042', 'WS-117', 'LAPTOP-7Q2', 'SRV-DC01', 'SRV-APP03', 'KIOSK-3'];
const USERS = [
  ['alice', 'S-1-5-21-3541430928-2051711210-1391384369-1001'],
  ['bob', 'S-1-5-21-3541430928-2051711210-1391384369-1104'],
  ['carol', 'S-1-5-21-3541430928-2051711210-1391384369-1120'],
  ['svc_backup', 'S-1-5-21-3541430928-2051711210-1391384369-2005'],
  ['dave', 'S-1-5-21-3541430928-2051711210-1391384369-1333'],
];
const ORDINARY = [
  'www.google.com',
  'login.microsoftonline.com',
  'github.com',
  'update.googleapis.com',
  'outlook.office365.com',
  'slack.com',
  'cdn.jsdelivr.net',
  'intranet.corp.local',
  'wpad.corp.local',
  'ocsp.digicert.com',
];
const LOOKUPS = [
  'api.ipify.org',
  'ipinfo.io',
  'checkip.amazonaws.com',
  'icanhazip.com',
  'ifconfig.me',
  'myexternalip.com',
  'ipecho.net',
  'wtfismyip.com',
  'ip-api.com',
  'api.ipapi.co',
];
const NON_BROWSERS = [
  ['powershell.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'],
  ['curl.exe', 'C:\\Windows\\System32\\curl.exe'],
  ['update.exe', 'C:\\Users\\{user}\\AppData\\Local\\Temp\\update.exe'],
  ['rundll32.exe', 'C:\\Windows\\System32\\rundll32.exe'],
  ['wermgr.exe', 'C:\\Users\\{user}\\AppData\\Roaming\\wermgr.exe'],
  ['python.exe', 'C:\\Users\\{user}\\AppData\\Local\\Programs\\Python\\Python311\\python.exe'],
];
const BROWSERS = [
  ['chrome.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'],
  ['msedge.exe', 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe'],
  ['firefox.exe', 'C:\\Program Files\\Mozilla Firefox\\firefox.exe'],
  ['chrome.exe', 'C:\\Users\\{user}\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe'],
];

/** Hostile strings: markup and `javascript:` URLs that must render as inert text. */
export const HOSTILE = {
  name: '<img src=x onerror="window.__pwned=1;alert(1)">api.ipify.org',
  executable: 'javascript:alert(document.domain)//<script>window.__pwned=2</script>C:\\Temp\\x.exe',
  user: '<svg onload="window.__pwned=3">javascript:alert(3)</svg>',
};

/** One hostile event that the rule matches (so it gets a badge and a reasons panel). */
export function hostileEvent() {
  return {
    '@timestamp': '2024-05-02T10:00:00.000Z',
    event: { category: ['network'], action: 'lookup_requested' },
    network: { protocol: 'dns' },
    host: { name: '<b onmouseover=alert(4)>WS-666</b>', os: { type: 'windows' } },
    process: { name: 'x.exe<img src=https://attacker.example/p.png>', executable: HOSTILE.executable },
    user: { id: 'S-1-5-21-1-2-3-666', name: HOSTILE.user },
    dns: { question: { name: HOSTILE.name } },
    message: '<iframe src="javascript:alert(5)"></iframe>',
  };
}

/** `count` events, the same for the same `seed`. */
export function generateEvents(count, seed = 42, { hostileEvery = 0 } = {}) {
  const r = rng(seed);
  const pick = (list) => list[Math.floor(r() * list.length)];
  const t0 = Date.UTC(2024, 4, 2, 8, 0, 0);
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    if (hostileEvery && i % hostileEvery === hostileEvery - 1) {
      out[i] = hostileEvent();
      continue;
    }
    const [user, sid] = pick(USERS);
    const host = pick(HOSTS);
    const roll = r();
    let proc = pick(NON_BROWSERS);
    let domain = pick(ORDINARY);
    let protocol = 'dns';
    let action = 'lookup_requested';
    let userId = sid;
    let userName = user;
    let category = ['network'];
    if (roll < 0.06) {
      domain = pick(LOOKUPS); // the rule's case (ip-api.com is not in its list: a miss)
    } else if (roll < 0.1) {
      proc = pick(BROWSERS);
      domain = pick(LOOKUPS);
    } else if (roll < 0.12) {
      domain = pick(LOOKUPS);
      [userName, userId] = r() < 0.5 ? ['LOCAL SERVICE', 'S-1-5-19'] : ['NETWORK SERVICE', 'S-1-5-20'];
    } else if (roll < 0.13) {
      domain = pick(LOOKUPS);
      protocol = 'DNS';
    } else if (roll < 0.14) {
      domain = pick(LOOKUPS);
      action = 'lookup_result';
    } else if (roll < 0.15) {
      domain = `${pick(LOOKUPS)}.`;
    } else if (roll < 0.16) {
      domain = pick(LOOKUPS);
      category = ['process', 'network'];
    } else if (roll < 0.5) {
      proc = pick(BROWSERS);
    }
    const [pname, pexe] = proc;
    const ev = {
      '@timestamp': new Date(t0 + i * 997).toISOString(),
      event: { category, type: ['protocol', 'info'], action, kind: 'event', module: 'endpoint' },
      network: { protocol },
      host: { name: host, os: { type: 'windows', family: 'windows' } },
      process: { name: pname, executable: pexe.replace('{user}', user), pid: 1000 + Math.floor(r() * 60000) },
      user: { name: userName, id: userId, domain: userId.startsWith('S-1-5-21') ? 'CORP' : 'NT AUTHORITY' },
      dns: { question: { name: domain } },
    };
    if (r() < 0.03) delete ev.user.id; // a missing user.id: `not in` still holds
    out[i] = ev;
  }
  return out;
}

/** NDJSON text, one event a line. */
export function toNdjson(events) {
  return `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
}
