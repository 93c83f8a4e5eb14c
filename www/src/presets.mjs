// Events that teach the rule, each with what it shows. Plain data: the playground puts them in
// the event editor as JSON.

const base = (over = {}) => ({
  '@timestamp': '2024-05-02T09:14:03.221Z',
  event: { category: ['network'], type: ['protocol', 'info'], action: 'lookup_requested', ...over.event },
  network: { protocol: 'dns', ...over.network },
  host: { name: 'WS-042', os: { type: 'windows' } },
  process: {
    name: 'powershell.exe',
    executable: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    command_line: 'powershell.exe -nop -w hidden -c "(iwr api.ipify.org).Content"',
    code_signature: { trusted: true, subject_name: 'Microsoft Windows' },
    ...over.process,
  },
  user: { id: 'S-1-5-21-3541430928-2051711210-1391384369-1104', name: 'bob', domain: 'CORP', ...over.user },
  dns: { question: { name: 'api.ipify.org', ...over.question } },
});

export const PRESETS = [
  {
    id: 'hit',
    label: 'A hit: PowerShell looks up api.ipify.org',
    why: 'Every clause holds: a DNS lookup request by a process that is neither a browser nor excluded.',
    event: base(),
  },
  {
    id: 'browser',
    label: 'An excluded browser (Chrome under Program Files)',
    why: 'The `not process.executable : (...)` list excludes programs under Program Files.',
    event: base({
      process: {
        name: 'chrome.exe',
        executable: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
        command_line: '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"',
        code_signature: { trusted: true, subject_name: 'Google LLC' },
      },
      question: { name: 'ipinfo.io' },
    }),
  },
  {
    id: 'service-sid',
    label: 'A service account SID (NETWORK SERVICE, S-1-5-20)',
    why: '`user.id not in ("S-1-5-19", "S-1-5-20")` excludes the LOCAL SERVICE and NETWORK SERVICE accounts.',
    event: base({ user: { id: 'S-1-5-20', name: 'NETWORK SERVICE', domain: 'NT AUTHORITY' } }),
  },
  {
    id: 'dns-capitals',
    label: '`DNS` in capitals',
    why: '`network.protocol == "dns"` is case-sensitive in Elasticsearch EQL: "DNS" does not match.',
    event: base({ network: { protocol: 'DNS' } }),
  },
  {
    id: 'missing-user-id',
    label: 'A missing user.id',
    why: '`not in` holds on a missing field: the exclusion cannot apply, so the rule still fires.',
    event: (() => {
      const e = base();
      delete e.user.id;
      return e;
    })(),
  },
  {
    id: 'dotted-keys',
    label: 'Dotted keys ("dns.question.name": ...)',
    why: 'Flat dotted keys are the same fields as nested objects.',
    event: {
      '@timestamp': '2024-05-02T09:14:03.221Z',
      'event.category': 'network',
      'event.action': 'lookup_requested',
      'network.protocol': 'dns',
      'host.os.type': 'windows',
      'process.name': 'curl.exe',
      'process.executable': 'C:\\Users\\bob\\Downloads\\curl.exe',
      'user.id': 'S-1-5-21-3541430928-2051711210-1391384369-1104',
      'user.name': 'bob',
      'dns.question.name': 'ifconfig.me',
    },
  },
  {
    id: 'category-array',
    label: 'An array of categories',
    why: 'A multi-valued field matches when any of its values does: ["process", "network"] is a network event.',
    event: base({ event: { category: ['process', 'network'] } }),
  },
  {
    id: 'near-miss',
    label: 'A near-miss domain (ipify.org without api.)',
    why: '`*api.ipify.org` needs the `api.` label: "ipify.org" is not in the list.',
    event: base({ question: { name: 'ipify.org' } }),
  },
  {
    id: 'false-positive',
    label: 'A false positive: an inventory agent (try "Suggest an exception")',
    why: 'A known tool checks its public IP: suggest an exception from it.',
    event: base({
      process: {
        name: 'inventory-agent.exe',
        executable: 'C:\\Tools\\Inventory\\inventory-agent.exe',
        command_line: 'C:\\Tools\\Inventory\\inventory-agent.exe --report-public-ip',
        code_signature: { trusted: false },
      },
      user: { id: 'S-1-5-21-3541430928-2051711210-1391384369-2201', name: 'svc_inventory', domain: 'CORP' },
      question: { name: 'checkip.amazonaws.com' },
    }),
  },
];
