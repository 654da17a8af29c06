"""khaosat.stats runs BLAS on one thread unless the operator says otherwise (the matrices are
small; on shared cores extra OpenBLAS threads cost many times the CPU, see docs/report.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = (
    "import numpy, khaosat.stats, threadpoolctl, json; "
    "print(json.dumps([i['num_threads'] for i in threadpoolctl.threadpool_info() "
    "if i['user_api'] == 'blas']))"
)


def _threads(env_value: str | None) -> list[int]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_one_blas_thread_even_when_numpy_was_imported_first():
    threads = _threads(None)
    assert threads and all(n == 1 for n in threads)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores to ask for two threads")
def test_the_operators_thread_count_is_kept():
    assert all(n == 2 for n in _threads("2"))
