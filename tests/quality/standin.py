"""A stand-in for the Hưng Yên Anket (docs/data-contract.md variable names) and a small answer generator,
used where the real anket.xlsx / simulator are not needed or not yet there."""

from __future__ import annotations

import random
from pathlib import Path

from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire


def _list(name: str, codes: list[int]) -> ChoiceList:
    return ChoiceList(name, [Choice(str(c), {"default": f"{name} {c}"}) for c in codes])


def _sel(name: str, lst: str, **kw) -> Question:
    return Question(name=name, type="select_one", list_name=lst, labels={"default": name}, **kw)


def anket() -> Questionnaire:
    """Groups a..g; matrices c7 (8 rows) and e1 (10 rows) as table-list groups; calculate nhom."""
    a = Group(
        "a",
        children=[
            _sel("a1", "sex", required=True),
            Question(
                name="a2",
                type="integer",
                required=True,
                constraint=". >= 18 and . <= 90",
                constraint_message={"default": "Tuổi từ 18 đến 90"},
            ),
            _sel("a3", "edu"),
            _sel("a4", "yn9"),
            _sel("a5", "job", required=True),
            _sel("a6", "yn9"),
            Question(name="nhom", type="calculate", calculation="if(${a5} <= 3, 1, 2)"),
        ],
    )
    b = Group("b", children=[_sel(f"b{i}", "l5") for i in range(1, 6)])
    c7 = Group("c7", appearance="table-list", children=[_sel(f"c7_{i}", "l5") for i in range(1, 9)])
    c = Group(
        "c",
        children=[
            *[_sel(f"c{i}", "l5") for i in range(1, 7)],
            c7,
            _sel("c8", "yn9"),
            Question(name="c9", type="select_multiple", list_name="ways", relevant="${c8} = 1"),
        ],
    )
    d = Group("d", children=[_sel(f"d{i}", "l5") for i in range(1, 4)])
    e1 = Group(
        "e1", appearance="table-list", children=[_sel(f"e1_{i}", "l5") for i in range(1, 11)]
    )
    e = Group(
        "e",
        children=[
            e1,
            _sel("e2", "yn9"),
            Question(
                name="e3", type="integer", relevant="${e2} = 1", constraint=". >= 0 and . <= 10"
            ),
        ],
    )
    f = Group(
        "f",
        children=[
            *[_sel(f"f{i}", "l5") for i in range(1, 6)],
            Question(
                name="f6",
                type="select_multiple",
                list_name="ways",
                constraint="count-selected(.) <= 3",
                constraint_message={"default": "Chọn tối đa 3"},
            ),
        ],
    )
    g = Group("g", children=[Question(name=f"g{i}", type="text") for i in range(1, 4)])
    lists = [
        _list("sex", [1, 2]),
        _list("edu", [1, 2, 3, 4]),
        _list("job", [1, 2, 3, 4, 5, 6]),
        _list("yn9", [1, 2, 9]),
        _list("l5", [1, 2, 3, 4, 5, 9]),
        _list("ways", [1, 2, 3, 4]),
    ]
    return Questionnaire(
        form_id="anket_standin",
        version="1",
        title="Anket (thay thế)",
        items=[a, b, c, d, e, f, g],
        choice_lists={cl.name: cl for cl in lists},
    )


def _l5(rng: random.Random, t: float, lean: float = 0.0) -> int | None:
    u = rng.random()
    if u < 0.01:
        return None
    if u < 0.04:
        return 9
    return max(1, min(5, round(3 + 0.5 * t + lean + rng.gauss(0, 1.0))))


def respondent(rng: random.Random, lean: float = 0.0) -> dict:
    """One plausible response (about 1% item non-response, 3% 'không rõ')."""
    t = rng.gauss(0, 1)
    ans: dict = {
        "a1": rng.choice([1, 2]),
        "a2": rng.randint(18, 80),
        "a3": rng.randint(1, 4),
        "a4": rng.choice([1, 2]),
        "a5": rng.randint(1, 6),
        "a6": rng.choice([1, 2, 9]),
    }
    ans["nhom"] = 1 if ans["a5"] <= 3 else 2
    names = [f"b{i}" for i in range(1, 6)] + [f"c{i}" for i in range(1, 7)]
    names += [f"c7_{i}" for i in range(1, 9)] + [f"d{i}" for i in range(1, 4)]
    names += [f"e1_{i}" for i in range(1, 11)] + [f"f{i}" for i in range(1, 6)]
    for n in names:
        v = _l5(rng, t, lean)
        if v is not None:
            ans[n] = v
    ans["c8"] = rng.choice([1, 2])
    if ans["c8"] == 1:
        ans["c9"] = sorted(rng.sample([1, 2, 3, 4], rng.randint(1, 3)))
    ans["e2"] = rng.choice([1, 2])
    if ans["e2"] == 1:
        ans["e3"] = rng.randint(0, 10)
    if rng.random() < 0.3:
        ans["g1"] = "Ý kiến khác"
    return ans


ANKET = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"


def load_anket() -> Questionnaire:
    """The real Anket when surveys/hung-yen-2026/anket.xlsx exists, else the stand-in."""
    if ANKET.exists():
        from khaosat.questionnaire.xlsform import read_xlsform

        return read_xlsform(ANKET)
    return anket()


def units(n_units: int = 22, per_unit: int = 45) -> list[tuple[str, int]]:
    return [(f"P{i:02d}", per_unit) for i in range(1, n_units + 1)]
