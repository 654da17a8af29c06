"""Sentences never misstate which answer was chosen most (code 9, ties, hidden cells)."""

import numpy as np

from khaosat.questionnaire.model import Choice, ChoiceList, Question
from khaosat.report.model import Estimate

from .conftest import VI, make_data, make_questionnaire

DK = "Không rõ / khó trả lời"


def _with_b4(share_dk: float = 0.40, n: int = 500):
    """The test questionnaire plus b4 (Có / Không / Không rõ), code 9 the largest answer."""
    q = make_questionnaire()
    q.choice_lists["yn9"] = ChoiceList(
        "yn9", [Choice("1", {VI: "Có"}), Choice("2", {VI: "Không"}), Choice("9", {VI: DK})]
    )
    block_b = next(g for g in q.items if getattr(g, "name", "") == "b")
    block_b.children.append(
        Question(
            name="b4",
            type="select_one",
            list_name="yn9",
            labels={VI: "Ông/Bà có biết địa chỉ trụ sở xã mới không?"},
        )
    )
    df = make_data(n=n, seed=3)
    rng = np.random.default_rng(5)
    rest = (1 - share_dk) / 2
    df["b4"] = rng.choice([1, 2, 9], size=n, p=[rest - 0.05, rest + 0.05, share_dk])
    return q, df


def _est(v: float) -> Estimate:
    return Estimate(value=v, se=0.01, ci_low=v - 0.02, ci_high=v + 0.02, n=400, count=int(v * 400))


LABELS = ["Có", "Không", "Chưa rõ ràng", "Khác"]
