"""Fixtures for the report tests: a small Anket-like questionnaire and simulated design data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from khaosat.questionnaire.model import Choice, ChoiceList, Group, Question, Questionnaire

VI = "Tiếng Việt (vi)"

L5_SAT = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
L5_AGREE = ["Rất không đồng tình", "Không đồng tình", "Phân vân", "Đồng tình", "Rất đồng tình"]
DK = "Không rõ / khó trả lời"


def _list(name: str, labels: list[str], codes: list[int] | None = None) -> ChoiceList:
    codes = codes or list(range(1, len(labels) + 1))
    return ChoiceList(
        name, [Choice(str(c), {VI: lab}) for c, lab in zip(codes, labels, strict=True)]
    )


def _q(name: str, type_: str, label: str, list_name: str | None = None) -> Question:
    return Question(name=name, type=type_, list_name=list_name, labels={VI: label})


def make_questionnaire() -> Questionnaire:
    lists = {
        "sex": _list("sex", ["Nam", "Nữ"]),
        "age": _list("age", ["18–30", "31–45", "46–60", "Trên 60"]),
        "res": _list("res", ["Xã", "Phường"]),
        "agree": _list("agree", [*L5_AGREE, DK], [1, 2, 3, 4, 5, 9]),
        "sat": _list("sat", [*L5_SAT, DK], [1, 2, 3, 4, 5, 9]),
        "chan": _list(
            "chan",
            [
                "Báo chí, phát thanh, truyền hình",
                "Loa truyền thanh cơ sở",
                "Mạng xã hội",
                "Họp thôn, tổ dân phố",
            ],
        ),
        "f4": _list(
            "f4",
            [
                "Chưa thành công",
                "Bước đầu thành công",
                "Thành công",
                "Rất thành công",
                "Khó đánh giá",
            ],
            [1, 2, 3, 4, 9],
        ),
    }
    c7 = Group(
        name="c7",
        labels={VI: "Mức độ hài lòng về các nội dung sau"},
        appearance="table-list",
        children=[
            _q("c7_1", "select_one", "Cơ sở vật chất, nơi chờ", "sat"),
            _q("c7_2", "select_one", "Thái độ của công chức", "sat"),
            _q("c7_3", "select_one", "Trả kết quả đúng hẹn", "sat"),
        ],
    )
    items = [
        Group(
            "a",
            {VI: "Thông tin chung"},
            children=[
                _q("a1", "select_one", "Giới tính", "sex"),
                _q("a2", "select_one", "Nhóm tuổi", "age"),
                _q("a6", "select_one", "Nơi ở hiện nay", "res"),
            ],
        ),
        Group(
            "b",
            {VI: "Nhận thức về mô hình chính quyền địa phương hai cấp"},
            children=[
                _q("b2", "select_multiple", "Kênh thông tin biết đến mô hình", "chan"),
                _q("b3", "select_one", "Mức độ đồng tình với chủ trương sắp xếp", "agree"),
            ],
        ),
        Group(
            "c",
            {VI: "Thủ tục hành chính tại xã, phường"},
            children=[
                c7,
                _q(
                    "c9",
                    "select_one",
                    "Mức độ hài lòng chung với việc giải quyết thủ tục hành chính",
                    "sat",
                ),
            ],
        ),
        Group(
            "f",
            {VI: "Niềm tin, đánh giá chung"},
            children=[
                _q("f4", "select_one", "Đánh giá chung kết quả sau một năm", "f4"),
            ],
        ),
        Group("g", {VI: "Ý kiến khác"}, children=[_q("g2", "text", "Điều chưa hài lòng nhất")]),
        Question(name="nhom", type="calculate", calculation="if(${a5}=1,1,2)"),
    ]
    return Questionnaire(
        form_id="test_anket",
        version="1",
        title="Phiếu thử",
        default_language=VI,
        languages=[VI],
        items=items,
        choice_lists=lists,
    )


def make_data(n: int = 600, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = [f"{12400 + k}" for k in range(12)]
    unit = rng.choice(units, size=n)
    stratum = np.where(np.isin(unit, units[:6]), "HY", "TB")
    # Weights as inverse inclusion probabilities: about 800 adults per respondent.
    weight = np.where(stratum == "HY", 700.0, 1100.0) * rng.uniform(0.8, 1.2, size=n)
    nhom = rng.choice([1, 2], size=n, p=[0.35, 0.65])

    def l5(p: list[float]) -> np.ndarray:
        return rng.choice([1, 2, 3, 4, 5, 9], size=n, p=p)

    df = pd.DataFrame(
        {
            "serial": [f"{u}-{i:04d}" for i, u in enumerate(unit, start=1)],
            "a1": rng.choice([1, 2], size=n),
            "a2": rng.choice([1, 2, 3, 4], size=n, p=[0.25, 0.35, 0.3, 0.1]),
            "a6": rng.choice([1, 2], size=n, p=[0.8, 0.2]),
            "b3": l5([0.02, 0.05, 0.13, 0.45, 0.32, 0.03]),
            "c7_1": l5([0.03, 0.07, 0.2, 0.45, 0.22, 0.03]),
            "c7_2": l5([0.01, 0.04, 0.15, 0.5, 0.28, 0.02]),
            "c7_3": l5([0.05, 0.1, 0.25, 0.4, 0.17, 0.03]),
            "f4": rng.choice([1, 2, 3, 4, 9], size=n, p=[0.06, 0.3, 0.4, 0.18, 0.06]),
            "g2": rng.choice(
                [
                    "Đi lại xa hơn",
                    "Anh Nguyễn Văn Nam ở bộ phận một cửa hẹn nhiều lần, gọi 0912345678",
                    "",
                    None,
                ],
                size=n,
            ),
            "nhom": nhom,
            "unit": unit,
            "stratum": stratum,
            "psu": unit,
            "weight": weight,
        }
    )
    # C9 related to C7 so key drivers have something to find.
    sat = df["c7_2"].isin([4, 5]).astype(int) + df["c7_3"].isin([4, 5]).astype(int)
    df["c9"] = np.where(
        rng.uniform(size=n) < 0.25 + 0.3 * sat,
        rng.choice([4, 5], size=n),
        rng.choice([1, 2, 3, 9], size=n),
    )
    for k in range(1, 5):
        df[f"b2_{k}"] = (rng.uniform(size=n) < [0.6, 0.3, 0.5, 0.4][k - 1]).astype(float)
    df.loc[rng.uniform(size=n) < 0.05, [f"b2_{k}" for k in range(1, 5)]] = np.nan
    return df


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    return make_questionnaire()


@pytest.fixture(scope="session")
def data() -> pd.DataFrame:
    return make_data()


@pytest.fixture(scope="session")
def fast_settings() -> dict:
    from khaosat.report.settings import load_settings

    return load_settings({"chart": {"dpi": 60}})


@pytest.fixture(scope="session")
def built(questionnaire, data, fast_settings):
    from khaosat.report.builder import SurveyInfo, build_report

    survey = SurveyInfo(
        field_start=dt.date(2026, 6, 1),
        field_end=dt.date(2026, 6, 15),
        report_date=dt.date(2026, 7, 2),
    )
    return build_report(questionnaire, data, survey=survey, settings=fast_settings)
