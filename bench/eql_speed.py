"""Speed of the Python `eql` package (PythonEngine) on the benchmark's events, already parsed.

    python bench/eql_speed.py EVENTS.ndjson [ROUNDS]

Prints {"events": N, "matched": M, "seconds": best, "network_events": n, "network_seconds": t} as
JSON: the second pair times the events of category "network" alone, the only ones `eql`'s engine
evaluates the query on (it drops the others by their event type first, which is most of why it is
fast on a realistic mix). The query is the rule's (version
102) as `eql` parses it with Elasticsearch's syntax; `eql` reads `event_type` where Elasticsearch
reads `event.category`, so each event is given its category as its type (the differential test,
tests/differential/compare.py, does the same). This is a speed baseline: `eql` does not give
Elasticsearch's verdicts on every event (see docs/eql-semantics.md).
"""
import json
import sys
import time

import eql

QUERY_FILE = "rules/v102.toml"


def load_query():
    text = open(QUERY_FILE, encoding="utf-8").read()
    return text.split("query = '''", 1)[1].split("'''", 1)[0]


def main():
    path = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    events = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            doc = json.loads(line)
            cat = (doc.get("event") or {}).get("category")
            event_type = cat[0] if isinstance(cat, list) and cat else (cat or "unknown")
            events.append(eql.Event(event_type, len(events), doc))
    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        query = eql.parse_query(load_query())
    seconds, matched = best_run(query, events, rounds)
    network = [e for e in events if e.type == "network"]
    network_seconds, network_matched = best_run(query, network, rounds)
    assert network_matched == matched, "every match is a network event"
    print(
        json.dumps(
            {
                "events": len(events),
                "matched": matched,
                "seconds": seconds,
                "network_events": len(network),
                "network_seconds": network_seconds,
            }
        )
    )


def best_run(query, events, rounds):
    """Best time of `rounds` runs of a fresh engine over `events`, and the number of matches."""
    best = float("inf")
    matched = 0
    for _ in range(rounds):
        hits = []
        engine = eql.PythonEngine()
        engine.add_query(query)
        engine.add_output_hook(hits.append)
        start = time.perf_counter()
        engine.stream_events(events)
        best = min(best, time.perf_counter() - start)
        matched = len(hits)
    return best, matched


if __name__ == "__main__":
    main()
