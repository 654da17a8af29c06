"""khaosat — điều tra dư luận xã hội từ bảng hỏi đến báo cáo."""

import os

__version__ = "0.1.0"

# The statistics multiply small matrices (a table's cells, a design's units). OpenBLAS threads
# buy nothing there and, on a machine whose cores are shared, cost up to 40 times the CPU of
# one thread (bench/report.py, docs/report.md). One thread unless the operator sets it; read
# when numpy loads (khaosat.stats applies it too when numpy was loaded first).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
