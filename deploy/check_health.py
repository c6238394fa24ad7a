#!/usr/bin/env python3
"""Check chatbot instances for what needs a person: exit 0 if all is well, 2 if not.

    check_health.py [--window 60] [--pending-max 100] URL [URL...]

Reads /api/v1/health of each instance twice, `--window` seconds apart, and reports, one line
per instance, any of:
- unreachable: no answer, or not 200, in either reading;
- db down: the log database was down in both readings (for the whole window, not a blip);
- pending growing: `pending_log_rows` grew over the window and is above `--pending-max`
  (the writer falls behind, or the database refuses what it is sent);
- dropped: `dropped_log_rows` grew over the window (a full journal refused exchanges).
Standard library only, so it runs from cron, a systemd timer (chatbot-health.timer) or any
monitoring system that runs a command and reads its exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request


def reading(url: str, timeout: float) -> dict | str:
    """Return the instance's health, or why it could not be read."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/api/v1/health", timeout=timeout) as r:
            return json.load(r)
    except (OSError, ValueError) as exc:
        return f"unreachable ({exc})"


def problems(first: dict | str, last: dict | str, *, pending_max: int) -> list[str]:
    """Return what is wrong, judged from two readings of one instance."""
    for sample in (first, last):
        if isinstance(sample, str):
            return [sample]
    found = []
    if first["db"] == "down" and last["db"] == "down":
        found.append("db down")
    if last["pending_log_rows"] > max(first["pending_log_rows"], pending_max):
        found.append(f"pending growing ({first['pending_log_rows']} -> "
                     f"{last['pending_log_rows']})")
    if last["dropped_log_rows"] > first["dropped_log_rows"]:
        found.append(f"dropped ({first['dropped_log_rows']} -> {last['dropped_log_rows']})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+", metavar="URL",
                        help="an instance, e.g. http://127.0.0.1:8001")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds between the two readings (default 60)")
    parser.add_argument("--pending-max", type=int, default=100,
                        help="pending rows tolerated while they grow (default 100)")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds to wait for each reading (default 5)")
    args = parser.parse_args(argv)

    first = {url: reading(url, args.timeout) for url in args.urls}
    time.sleep(args.window)
    failing = 0
    for url in args.urls:
        last = reading(url, args.timeout)
        found = problems(first[url], last, pending_max=args.pending_max)
        failing += bool(found)
        if found:
            print(f"{url}: " + "; ".join(found))
        else:
            print(f"{url}: ok (pending {last['pending_log_rows']}, "
                  f"dropped {last['dropped_log_rows']})")
    return 2 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
