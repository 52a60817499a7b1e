#!/usr/bin/env python3
"""Latency of response-cache hits through a running gateway (loopback, mock upstream).

Fills the cache with N distinct prompts (one scope: same client, alias and parameters, so a
semantic lookup scans all of them), then measures exact hits (the same prompts again) and
semantic hits (the prompts reworded with filler words), and prints p50/p99 of the client's
round trip and of the gateway's own time (`x-switchyard-overhead-us`), plus the gateway's RSS.

  python3 scripts/cache-latency.py --url http://127.0.0.1:4000 --model coder --entries 100000 --pid PID

With --replica URL (a second gateway sharing the cache through the same Redis and prefix),
the hits are measured through the replica instead: each exact prompt's first request there
is answered from Redis (the replica's near tier does not hold it yet), its second from the
near tier; semantic hits use the replica's own index, filled from Redis. Misses (new
prompts) show what the Redis lookup adds to a request that goes upstream.
"""
import argparse, http.client, json, time, urllib.parse

p = argparse.ArgumentParser()
p.add_argument("--url", default="http://127.0.0.1:4000")
p.add_argument("--model", default="coder")
p.add_argument("--entries", type=int, default=100000)
p.add_argument("--samples", type=int, default=2000)
p.add_argument("--pid", type=int, help="gateway pid, for its RSS")
p.add_argument("--skip-fill", action="store_true", help="the cache is already filled")
p.add_argument("--replica", help="measure hits through this gateway (same Redis and prefix)")
a = p.parse_args()

def connect(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port)

conn = connect(a.url)

VERBS = ["write", "implement", "create", "give me", "show", "code", "build", "make"]
LANGS = ["python", "rust", "go", "java", "typescript", "ruby", "kotlin", "c#", "swift", "php"]
ACTIONS = ["sorts", "filters", "groups", "parses", "validates", "merges", "counts", "deduplicates",
           "serializes", "reverses", "flattens", "batches", "compresses", "normalizes", "indexes"]
OBJECTS = ["user records", "log lines", "invoices", "sensor readings", "http headers", "csv rows",
           "json events", "file paths", "email addresses", "order items", "git commits", "tokens",
           "graph edges", "time ranges", "price quotes", "chat messages", "config entries"]
WORDS = ["alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "theta", "zeta", "lambda",
         "river", "stone", "cloud", "forest", "ember", "harbor", "meadow", "summit", "canyon", "delta2"]

def prompt(i):
    # Mixed radix over the lists: every i is a distinct request, most pairs unrelated.
    n = i
    v, i = VERBS[i % 8], i // 8
    l, i = LANGS[i % 10], i // 10
    a, i = ACTIONS[i % 15], i // 15
    o, i = OBJECTS[i % 17], i // 17
    w1, w2 = WORDS[i % 20], WORDS[(i // 20) % 20]
    return f"{v} a {l} function {w1}_{w2}_{n} that {a} {o}"

def send(text):
    body = json.dumps({"model": a.model, "temperature": 0, "messages": [{"role": "user", "content": text}]})
    t = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body, {"content-type": "application/json"})
    r = conn.getresponse()
    r.read()
    dt = time.perf_counter() - t
    return dt, r.getheader("x-switchyard-cache"), int(r.getheader("x-switchyard-overhead-us") or 0)

def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]

t0 = time.time()
for i in range(0 if a.skip_fill else a.entries):
    send(prompt(i))
print(f"filled {a.entries} entries in {time.time() - t0:.0f} s")
step = max(1, a.entries // a.samples)
cases = [
    ("exact", prompt, "exact"),
    ("semantic", lambda i: "please, " + prompt(i) + " thanks", "semantic"),
]
if a.replica:
    conn = connect(a.replica)
    cases = [
        ("exact via Redis", prompt, "exact"),
        ("exact near tier", prompt, "exact"),
        ("semantic", lambda i: "please, " + prompt(i) + " thanks", "semantic"),
        ("miss", lambda i: prompt(i + a.entries), "miss"),
    ]
for name, make, want in cases:
    rtt, own, wrong = [], [], 0
    for i in range(0, a.entries, step)[: a.samples]:
        dt, cache, us = send(make(i))
        wrong += cache != want
        rtt.append(dt * 1000)
        own.append(us / 1000)
    print(f"{name:15} {'lookups' if want == 'miss' else 'hits'}: round trip p50 {pct(rtt, .5):.3f} ms p99 {pct(rtt, .99):.3f} ms; "
          f"gateway p50 {pct(own, .5):.3f} ms p99 {pct(own, .99):.3f} ms; not {want}: {wrong}/{len(rtt)}")
if a.pid:
    for line in open(f"/proc/{a.pid}/status"):
        if line.startswith("VmRSS"):
            print("gateway", line.strip())
