"""khaosat.sampling — frames, stratified systematic/PPS selection, quotas, weights, precision.

Imports no Django. See docs/sampling.md for the method and formulas.
"""

from khaosat.sampling.allocation import allocate, largest_remainder
from khaosat.sampling.design import CertaintyUnit, Design, Target, load_design
from khaosat.sampling.errors import DesignError, FrameError, OptionalPackageMissing, SamplingError
from khaosat.sampling.frame import (
    Frame,
    frame_from_province,
    import_sizes,
    parse_frame,
    read_frame,
    write_frame,
)
from khaosat.sampling.plan import (
    Plan,
    SelectedUnit,
    StratumInfo,
    inclusion_probabilities,
    load_survey_inputs,
    read_plan,
    reproduce,
    same_selection,
    select,
    write_plan_csv,
)
from khaosat.sampling.precision import (
    cluster_deff,
    kish_weighting_effect,
    margin_of_error,
    plan_precision,
    required_sample_size,
)
from khaosat.sampling.quotas import quota_shortfalls, unit_targets
from khaosat.sampling.weights import design_columns, unit_weights

__all__ = [
    "CertaintyUnit",
    "Design",
    "DesignError",
    "Frame",
    "FrameError",
    "OptionalPackageMissing",
    "Plan",
    "SamplingError",
    "SelectedUnit",
    "StratumInfo",
    "Target",
    "allocate",
    "cluster_deff",
    "design_columns",
    "frame_from_province",
    "import_sizes",
    "inclusion_probabilities",
    "kish_weighting_effect",
    "largest_remainder",
    "load_design",
    "load_survey_inputs",
    "margin_of_error",
    "parse_frame",
    "plan_precision",
    "quota_shortfalls",
    "read_frame",
    "read_plan",
    "reproduce",
    "required_sample_size",
    "same_selection",
    "select",
    "unit_targets",
    "unit_weights",
    "write_frame",
    "write_plan_csv",
]
