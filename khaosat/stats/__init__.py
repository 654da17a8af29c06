"""khaosat.stats — design-based survey statistics (Taylor linearisation, as R's `survey`).

Imports no Django. Build a Design once, then call the small verbs:

    d = Design(df, strata="stratum", psu="unit", ssu=None, weight="weight",
               fpc="fpc1", fpc2="fpc2", certainty="cert", lonely_psu="fail")
    mean(d, "c1", by="nhom"); proportions(d, "b2", ci="logit"); crosstab(d, "b2", "nhom")
"""

import os

from khaosat.stats.calibration import calibrate, post_stratify, rake
from khaosat.stats.compare import Difference, domain_difference, wave_difference
from khaosat.stats.crosstab import Crosstab, crosstab
from khaosat.stats.design import Design
from khaosat.stats.drivers import LogisticResult, logistic
from khaosat.stats.errors import StatsError
from khaosat.stats.estimators import (
    mean,
    multi_proportions,
    proportions,
    quantile,
    ratio,
    total,
    variance,
)
from khaosat.stats.index import IndexResult, composite_index, cronbach_alpha
from khaosat.stats.results import Estimate, EstimateTable
from khaosat.stats.waves import Trend, trend

__all__ = [
    "Crosstab",
    "Design",
    "Difference",
    "Estimate",
    "EstimateTable",
    "IndexResult",
    "LogisticResult",
    "StatsError",
    "Trend",
    "calibrate",
    "composite_index",
    "cronbach_alpha",
    "crosstab",
    "domain_difference",
    "logistic",
    "mean",
    "multi_proportions",
    "post_stratify",
    "proportions",
    "quantile",
    "rake",
    "ratio",
    "total",
    "trend",
    "variance",
    "wave_difference",
]


def _blas_threads() -> None:
    """OPENBLAS_NUM_THREADS (1 unless the operator set it, see khaosat/__init__.py) also when
    numpy was imported before khaosat, which the environment variable alone cannot reach."""
    try:
        n = int(os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    except ValueError:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=max(1, n), user_api="blas")


_blas_threads()
