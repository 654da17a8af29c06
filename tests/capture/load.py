"""A load generator for the keyed-entry JSON endpoint (stdlib only): many signed-in clients
submit forms at once, some submits retried, one serial sometimes sent by both keyers of a unit.
Used by the concurrency test and by bench/capture.py."""

from __future__ import annotations

import http.client
import json
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.capture.mini import GOOD


@dataclass
class Keyer:
    """One client: its session cookie and the serials it keys."""

    name: str
    session: str
    serials: list[str]


@dataclass
class LoadResult:
    """What the clients saw: HTTP statuses, latencies (s), wall time, unexpected errors."""

    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: list[str] = field(default_factory=list)
    created: int = 0
    sent: int = 0

    def percentile(self, p: float) -> float:
        """Latency at percentile p (0..100), seconds."""
        xs = sorted(self.latencies)
        if not xs:
            return 0.0
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def answers_for(serial: str) -> dict[str, Any]:
    """Valid answers of the mini questionnaire, varied by serial."""
    rnd = random.Random(serial)
    a = dict(GOOD)
    a["a1"] = rnd.choice([1, 2, 3])
    a["a2"] = rnd.randint(18, 99)
    a["a5"] = rnd.choice([1, 2, 3, 4, 5, 9])
    a["c7_1"] = rnd.choice([1, 2, 3, 4, 5, 9])
    if rnd.random() < 0.3:
        a["a3"] = 2
        a.pop("a4")
    return a


def plan(units: list[str], total: int) -> dict[str, list[str]]:
    """Serials per unit adding up to `total` (as even as possible)."""
    per, extra = divmod(total, len(units))
    return {
        u: [f"{u}-{n:04d}" for n in range(1, per + (1 if i < extra else 0) + 1)]
        for i, u in enumerate(units)
    }


def run(
    base_url: str,
    survey_code: str,
    keyers: list[Keyer],
    *,
    retry_share: float = 0.1,
    cross: dict[str, list[str]] | None = None,
    seed: int = 1,
) -> LoadResult:
    """Every keyer submits its serials in its own thread, all starting together."""
    url = f"{base_url}/surveys/{survey_code}/capture/keyed/submit/"
    result = LoadResult()
    lock = threading.Lock()
    barrier = threading.Barrier(len(keyers))
    cross = cross or {}

    host, port = base_url.split("//", 1)[1].split(":")
    path = url.split(base_url, 1)[1]

    def post(k: Keyer, conn: list, token: str, payload: bytes, tries: int = 0) -> int:
        headers = {
            "Content-Type": "application/json",
            "Cookie": f"sessionid={k.session}; csrftoken={token}",
            "X-CSRFToken": token,
            "Referer": base_url + "/",
        }
        t0 = time.perf_counter()
        try:
            if conn[0] is None:
                conn[0] = http.client.HTTPConnection(host, int(port), timeout=60)
            conn[0].request("POST", path, body=payload, headers=headers)
            resp = conn[0].getresponse()
            body = resp.read()
            status = resp.status
            if resp.getheader("Connection", "").lower() == "close":
                conn[0].close()
                conn[0] = None
        except (OSError, http.client.HTTPException):
            # the connection dropped (or the answer was lost): reconnect and send again
            if conn[0] is not None:
                conn[0].close()
            conn[0] = None
            with lock:
                result.statuses["neterr"] += 1
            if tries >= 5:
                with lock:
                    result.errors.append(f"{k.name}: no answer after 5 tries")
                return 0
            time.sleep(0.1 * (tries + 1))
            return post(k, conn, token, payload, tries + 1)
        dt = time.perf_counter() - t0
        with lock:
            result.statuses[status] += 1
            result.latencies.append(dt)
            result.sent += 1
            result.created += status == 201
            if status not in (200, 201):
                result.errors.append(f"{k.name} {status} {body[:300]!r}")
        return status

    def worker(k: Keyer) -> None:
        rnd = random.Random(f"{seed}-{k.name}")
        token = secrets.token_hex(16)
        conn: list = [None]  # one keep-alive connection per keyer, as a browser has
        barrier.wait()
        for serial in [*k.serials, *cross.get(k.name, [])]:
            payload = json.dumps(
                {"serial": serial, "pass": 1, "answers": answers_for(serial), "instance_id": None}
            ).encode()
            post(k, conn, token, payload)
            if rnd.random() < retry_share:  # the answer was lost on the way: send again
                post(k, conn, token, payload)
        if conn[0] is not None:
            conn[0].close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in keyers]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.perf_counter() - t0
    return result
