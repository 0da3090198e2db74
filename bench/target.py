"""Benchmark target for CPython's signal module.

Same tests and output as target.lua (see driver.c for the protocol):

    python3 target.py probe
    python3 target.py roundtrip N SIGNO
    python3 target.py burst N SIGNO QUIET_MS
    python3 target.py latency SIGNO MODE        MODE: main or coroutine
    python3 target.py idle N [SIGNO...]          no SIGNO: bare
    python3 target.py memory [SIGNO...]          no SIGNO: bare

Stamps are time.monotonic_ns(), CLOCK_MONOTONIC like the Lua and C
targets. The "coroutine" loop runs inside a generator, Python's
nearest kin of a Lua coroutine.
"""

import os
import signal
import sys
import time

now = time.monotonic_ns


def report(**values):
    print(" ".join(f"{k}={v}" for k, v in values.items()), flush=True)


def ready():
    print("ready", flush=True)


def roundtrip(n, signo):
    """n raises in 5 timed chunks; the median chunk's ns per raise."""
    handled = 0
    chunks, k, ns = 5, n // 5, []

    def handler(_signo, _frame):
        nonlocal handled
        handled += 1

    signal.signal(signo, handler)
    for _ in range(n // 10):  # warm up
        signal.raise_signal(signo)
    handled = 0
    for _ in range(chunks):
        t0 = now()
        for _ in range(k):
            signal.raise_signal(signo)
        ns.append((now() - t0) / k)
    ns.sort()
    report(ns=ns[chunks // 2], handled=handled, raised=k * chunks)


FIRST_MS = 10000


def sentall():
    """Has the driver queued every signal? (see driver.c)"""
    name = os.environ.get("BENCH_SENT_FILE")
    return name is None or os.path.exists(name)


def burst(n, signo, quiet_ms):
    handled = last = 0

    def handler(_signo, _frame):
        nonlocal handled, last
        handled += 1
        last = now()

    signal.signal(signo, handler)
    ready()
    start = now()
    while handled < n:
        for _ in range(10000):
            pass
        # the quiet period counts from the last delivery, once the
        # driver has sent them all; the first may come late on a loaded
        # machine
        if (now() - last > quiet_ms * 1000000 if last
                else now() - start > FIRST_MS * 1000000) and sentall():
            break
    report(handled=handled, last=last)


def latency(signo, mode):
    def handler(_signo, _frame):
        os.write(1, b"%d\n" % now())

    def spin():
        x = 0
        while True:
            x += 1
        yield x  # never reached: it only makes spin a generator

    signal.signal(signo, handler)
    ready()
    if mode == "coroutine":
        next(spin())  # the loop runs inside the generator, never yields
    x = 0
    while True:
        x += 1


def install(signos):
    count = 0
    for signo in signos:
        try:
            signal.signal(signo, lambda _s, _f: None)
            count += 1
        except (OSError, ValueError):
            pass
    return count


def idle(n, signos):
    install(signos)

    def work(n):
        x = 0
        for i in range(n):
            x += i
        return x

    best = min(_timed(work, n) for _ in range(5))
    report(ips=n / best)


def _timed(fn, n):
    t0 = time.process_time()
    fn(n)
    return time.process_time() - t0


def mapped_files():
    """Resident KiB per mapped file, from /proc/self/smaps."""
    rss, path = {}, None
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):  # a mapping
                named = len(fields) > 5 and fields[5].startswith("/")
                path = fields[5] if named else None
            elif fields[0] == "Rss:" and path:
                rss[path] = rss.get(path, 0) + int(fields[1])
    return rss


def memory(signos):
    """VmRSS, RssAnon, and the resident part of files mapped since the
    start ("libs"; the signal module is built in, so none)."""
    before = mapped_files()
    count = install(signos)
    libs = sum(k for f, k in mapped_files().items() if f not in before)
    kib = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if rest.endswith(" kB\n"):
                kib[key] = int(rest.split()[0])
    report(rss=kib["VmRSS"], anon=kib["RssAnon"], libs=libs, handlers=count)


def main(argv):
    test, args = argv[1], [int(a) if a.isdigit() else a for a in argv[2:]]
    if test == "probe":
        print("version=CPython " + sys.version.split()[0])
    elif test == "roundtrip":
        roundtrip(*args)
    elif test == "burst":
        burst(*args)
    elif test == "latency":
        latency(*args)
    elif test == "idle":
        idle(args[0], args[1:])
    elif test == "memory":
        memory(args)
    else:
        sys.exit(f"target.py: unknown test {test}")


if __name__ == "__main__":
    main(sys.argv)
