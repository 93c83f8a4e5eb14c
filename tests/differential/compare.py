#!/usr/bin/env python3
"""Differential test: our verdicts against the Python `eql` package's PythonEngine.

`eql` is not Elasticsearch (see docs/eql-semantics.md, last section). It agrees with
Elasticsearch only on documents whose fields are all present, single-valued, nested (no dotted
keys) and, for `==` / `in`, either in the query's exact case or unequal to every term ignoring case,
with no `?` pattern deciding the result. The generator below makes events in that subset only;
`outside_subset` is an independent check (its own wildcard matcher) that drops any event where a
`?` pattern matches under Elasticsearch's semantics.

Usage: compare.py VERDICTS_CMD [--events N] [--seed S]
  VERDICTS_CMD runs our engine: reads NDJSON on stdin, prints true/false per line; `{version}` in it
  is replaced by the rule version.
Prints the number of events compared and of disagreements; exits 1 on any disagreement.
"""

import argparse
import json
import random
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import eql
from eql.engine import PythonEngine
from eql.events import Event
from eql.parser import elasticsearch_syntax, ignore_missing_functions, parse_query

ROOT = Path(__file__).resolve().parents[2]

DOMAINS = [
    "api.ipify.org", "API.IPIFY.ORG", "x.api.ipify.org", "api.ipify.org.", "ipify.org", "freegeoip.app",
    "checkip.amazonaws.com", "checkip.dyndns.org", "icanhazip.com", "ifconfig.me", "ifconfig.co",
    "ifconfigme", "IFCONFIG.ME", "ipecho.net", "ipgeoapi.com", "ipinfo.io", "ip.anysrc.net",
    "myexternalip.com", "myipaddress.com", "whatismyipaddress.com", "showipaddress.com", "wtfismyip.com",
    "ipapi.co", "ip-lookup.net", "ipstack.com", "example.com", "www.google.com", "ipinfo.io.evil",
    "sub.ipinfo.io", "WTFISMYIP.COM", "ident.me", "", "a",
]
EXECUTABLES = [
    "C:\\Users\\bob\\AppData\\Local\\Temp\\stage2.exe",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\ProgramData\\x\\svc.exe",
    "\\\\?\\C:\\Program Files\\x.exe",
    "C:/Program Files/x.exe",
    "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
    "D:\\Program Files (x86)\\app\\app.exe",
    "C:\\Windows\\System32\\smartscreen.exe",
    "C:\\Users\\a\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Tools\\Evernote.exe",
    "C:\\Temp\\firefox.exe",
    "x",
    "",
]
PROCESS_NAMES = [
    "powershell.exe", "stage2.exe", "cmd.exe", "firefox.exe", "FIREFOX.EXE", "Evernote.exe",
    "evernote.exe", "Loom.exe", "opera.exe", "brave.exe", "vivaldi.exe", "chrome.exe", "x", "",
]
SUBJECTS = [
    "Mozilla Corporation", "mozilla corporation", "Evernote Corporation", "Loom, Inc.", "Opera Norway AS",
    "Brave Software, Inc.", "Vivaldi Technologies AS", "Microsoft Corporation", "Evil Corp", "",
]
# `==` / `in` terms: the exact case, or unequal to every term ignoring case (never `DNS`, `s-1-5-19`).
USER_IDS = ["S-1-5-19", "S-1-5-20", "S-1-5-18", "S-1-5-21-1004336348-1177238915-682003330-1001", "S-1-5-190", ""]
PROTOCOLS = ["dns", "tcp", "udp", "dnsx", ""]
ACTIONS = ["lookup_requested", "lookup_result", "connection_attempted", ""]
CATEGORIES = ["network", "process", "file"]
OS_TYPES = ["windows", "linux", "macos"]


def es_wildcard(pattern, case_insensitive=True):
    """Elasticsearch's wildcard: `*` any run, `?` one code point, anchored, ASCII case folding."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.DOTALL | (re.IGNORECASE | re.ASCII if case_insensitive else 0)
    return re.compile(rx + r"\Z", flags)


def question_patterns(query_text):
    """The string literals of the query that contain `?` (wildcard lists only use them)."""
    out = []
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', query_text):
        lit = m.group(1).replace("\\\\", "\\")
        if "?" in lit:
            out.append(es_wildcard(lit))
    return out


def outside_subset(event, qmarks):
    exe = event["process"]["executable"]
    return any(p.match(exe) for p in qmarks)


def generate(rng, version):
    event = {
        "@timestamp": "2024-01-01T00:00:00Z",
        "event": {"category": rng.choice(CATEGORIES) if rng.random() < 0.15 else "network",
                  "action": rng.choice(ACTIONS) if rng.random() < 0.2 else "lookup_requested"},
        "network": {"protocol": rng.choice(PROTOCOLS) if rng.random() < 0.15 else "dns"},
        "host": {"os": {"type": rng.choice(OS_TYPES) if rng.random() < 0.15 else "windows"}},
        "process": {
            "name": rng.choice(PROCESS_NAMES),
            "executable": rng.choice(EXECUTABLES),
            "code_signature": {"trusted": rng.random() < 0.6, "subject_name": rng.choice(SUBJECTS)},
        },
        "user": {"id": rng.choice(USER_IDS) if rng.random() < 0.4 else USER_IDS[3]},
        "dns": {"question": {"name": rng.choice(DOMAINS)}},
    }
    return event


def eql_verdicts(query_text, events):
    with elasticsearch_syntax, ignore_missing_functions:
        query = parse_query(query_text)
    engine = PythonEngine()
    hits = set()
    engine.add_output_hook(lambda e: hits.update(x.data["_n"] for x in (e.events if hasattr(e, "events") else [e])))
    engine.add_query(query)
    stream = []
    for n, event in enumerate(events):
        data = dict(event, _n=n)
        stream.append(Event(event["event"]["category"], n, data))
    engine.stream_events(stream)
    return [n in hits for n in range(len(events))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("verdicts_cmd")
    ap.add_argument("--events", type=int, default=2000, help="events generated per version")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    total = disagreements = skipped = 0
    per_version = []
    for version in ["4", "102", "104", "108"]:
        query_text = tomllib.loads((ROOT / f"rules/v{version}.toml").read_text())["rule"]["query"]
        qmarks = question_patterns(query_text)
        rng = random.Random(args.seed * 1000 + int(version))
        events = []
        while len(events) < args.events:
            e = generate(rng, version)
            if outside_subset(e, qmarks):
                skipped += 1
                continue
            events.append(e)
        ndjson = "".join(json.dumps(e) + "\n" for e in events)
        cmd = shlex.split(args.verdicts_cmd.replace("{version}", version))
        ours = subprocess.run(cmd, input=ndjson, capture_output=True, text=True, check=True).stdout.splitlines()
        if len(ours) != len(events):
            print(f"v{version}: expected {len(events)} verdicts, got {len(ours)}", file=sys.stderr)
            return 1
        theirs = eql_verdicts(query_text, events)
        bad = 0
        for n, (a, b) in enumerate(zip(ours, theirs)):
            if a != ("true" if b else "false"):
                bad += 1
                if bad <= 5:
                    print(f"v{version} event {n}: ours={a} eql={b}\n  {json.dumps(events[n])}", file=sys.stderr)
        matched = sum(theirs)
        per_version.append(f"v{version}: {len(events)} events ({matched} matched), {bad} disagreements")
        total += len(events)
        disagreements += bad
    for line in per_version:
        print(line)
    print(f"differential (eql {eql.__version__}): compared {total} events, {disagreements} disagreements"
          f" ({skipped} generated events outside the subset were not compared)")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
