"""The analysis behind every section, done once (see context.py)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from khaosat.report import narrative, vn
from khaosat.report.model import Comparison, Driver, DriverModel, ResultTable
from khaosat.report.sections.context import (
    POSITIVE,
    Context,
    Finding,
    Indicator,
    UnitResult,
    all_indicators,
    binary,
    lower_first,
)
from khaosat.report.survey import GroupSpec


def run(ctx: Context) -> None:
    design(ctx)
    indicators(ctx)
    ctx.rankings["chung"] = ctx.ranking(ctx.indicators)
    for name, items in ctx.matrix_items.items():
        ctx.rankings[name] = ctx.ranking(items)
    comparisons(ctx)
    models(ctx)
    units(ctx)
    risks(ctx)
    findings(ctx)


def design(ctx: Context) -> None:
    """What the variance design is, and the build warnings about it."""
    from khaosat.report.stats_adapter import design_description

    info = design_description(ctx.df)
    ctx.design_info = info
    args = info["arguments"]
    if "weight" not in args:
        ctx.log.append("Dữ liệu không có cột trọng số: mỗi phiếu được tính như nhau.")
    if "psu" not in args:
        ctx.log.append(
            "Dữ liệu không có cột cụm (psu) hay đơn vị: các phiếu được coi như chọn ngẫu nhiên "
            "đơn giản, sai số có thể bị ước lượng thấp."
        )
    if "strata" not in args:
        ctx.log.append("Dữ liệu không có cột tầng (stratum): coi toàn bộ mẫu là một tầng.")
    if "fpc" in ctx.df and "fpc2" not in args:
        ctx.log.append(
            "Cột fpc không được dùng vì thiếu số lượng tổng thể của giai đoạn 2 (fpc2): sai số "
            "theo ước lượng cụm cuối cùng (chọn cụm có hoàn lại ở giai đoạn 1)."
        )
    if info["lonely_strata"]:
        ctx.log.append(
            "Có tầng chỉ có một cụm ("
            + ", ".join(info["lonely_strata"])
            + "): phương sai của tầng này được tính quanh trung bình chung."
        )
    info["equal_per_unit"] = ctx.survey.weight_rule == "relative"
    if info["equal_per_unit"]:
        ctx.log.append(
            "Khung mẫu chưa có quy mô của các đơn vị: mỗi xã, phường được chọn đại diện cho một số "
            "đơn vị như nhau của tầng, không theo số dân; nhập quy mô (dân số) vào khung mẫu "
            "(khaosat sample sizes) để trọng số đại diện cho dân số."
        )
    if "weight" in args:
        w = pd.to_numeric(ctx.df[args["weight"]], errors="coerce")
        info["kish_n_eff"] = float(w.sum() ** 2 / (w**2).sum()) if len(w) else 0.0


def indicators(ctx: Context) -> None:
    configured = ctx.s.get("indicators") or {}
    for info in ctx.infos:
        if info.group == "a" or not info.group or info.name not in ctx.df:
            continue
        if info.matrix:
            if info.kind == "scale5":
                ctx.matrix_items.setdefault(info.matrix, []).append(
                    ctx.indicator(info, POSITIVE, True, matrix=info.matrix)
                )
            continue
        if info.kind == "scale5":
            ctx.indicators.append(ctx.indicator(info, POSITIVE, True))
        elif info.kind == "single" and info.name in configured:
            ctx.indicators.append(ctx.indicator(info, tuple(configured[info.name]), False))


def default_groups(ctx: Context) -> list[GroupSpec]:
    df, infos = ctx.df, ctx.by_name
    specs: list[GroupSpec] = []
    if "nhom" in df:
        specs.append(
            GroupSpec("nhom", "nhóm đối tượng", [(1, "cán bộ, đảng viên"), (2, "Nhân dân")])
        )
    if "a6" in infos and "a6" in df:
        i = infos["a6"]
        specs.append(
            GroupSpec(
                "a6",
                "nơi ở",
                [(c, f"người ở {lab.lower()}") for c, lab in zip(i.codes, i.labels, strict=True)],
            )
        )
    if "region" in df:
        levels = [
            (v, f"địa bàn {v}") for v in sorted(df["region"].dropna().unique().tolist(), key=str)
        ]
        if len(levels) >= 2:
            specs.append(GroupSpec("region", "địa bàn (tỉnh cũ)", levels))
    if "a2" in infos and "a2" in df:
        i = infos["a2"]
        specs.append(
            GroupSpec(
                "a2",
                "nhóm tuổi",
                [
                    (c, f"độ tuổi {lower_first(lab)}")
                    for c, lab in zip(i.codes, i.labels, strict=True)
                ],
            )
        )
    return specs


def comparisons(ctx: Context) -> None:
    groups = ctx.survey.groups if ctx.survey.groups is not None else default_groups(ctx)
    groups = [g for g in groups if g.column in ctx.df]
    ctx.groups_used = groups
    key = ctx.indicators
    if not key:
        return
    for g in groups:
        comps: list[Comparison] = []
        cells = []
        # Domains of the whole sample's design: rows outside the compared levels are out.
        grp = ctx.df[g.column].where(ctx.df[g.column].isin([lv for lv, _ in g.levels]))
        for ind in key:
            y = binary(ctx.df, ind.name, ind.codes)
            ests = [
                ctx.est.proportions(ctx.df, y, [1], domain=(ctx.df[g.column] == lv))[0]
                for lv, _ in g.levels
            ]
            cells.append(ests)
            # The same Rao–Scott test as the dashboard's cross-tabs.
            test = ctx.est.crosstab_test(ctx.df, y, grp)
            comps.append(
                Comparison(
                    subject=ind.compare,
                    group_title=g.title,
                    groups=[lab for _, lab in g.levels],
                    estimates=ests,
                    test=test,
                )
            )
        bases = [int((ctx.df[g.column] == lv).sum()) for lv, _ in g.levels]
        table = ResultTable(
            variable=f"so_sanh_{g.column}",
            title=f"Tỷ lệ đánh giá tích cực theo {g.title}",
            row_labels=[i.label for i in key],
            col_labels=[vn.capitalize_first(lab) for _, lab in g.levels],
            cells=cells,
            bases=bases,
            additive=False,
            row_codes=[i.name for i in key],
            group_variable=g.column,
            row_header="Chỉ tiêu (tỷ lệ đánh giá tích cực)",
        )
        table = ctx.suppress(table)
        ctx.tables.setdefault(f"so_sanh_{g.column}", []).append(table)
        ctx.comparisons.append((g, comps, table))


def _predictors(ctx: Context, names: list[str]) -> dict[str, pd.Series]:
    """0/1 factors from variable names: a matrix (its items), a five-point scale (positive), a
    comparison group (its first level against the others)."""
    out: dict[str, pd.Series] = {}
    groups = {g.column: g for g in ctx.groups_used}
    for name in names:
        if name in ctx.matrix_items:
            for it in ctx.matrix_items[name]:
                out[f"đánh giá tích cực về {lower_first(it.label)}"] = binary(
                    ctx.df, it.name, POSITIVE, exclude=(9,)
                )
        elif name in ctx.by_name and ctx.by_name[name].kind == "scale5":
            subj = ctx.subject(name) or f"câu {ctx.by_name[name].number}"
            out[f"đánh giá tích cực về {subj}"] = binary(ctx.df, name, POSITIVE, exclude=(9,))
        elif name in groups and name in ctx.df:
            g = groups[name]
            lv, lab = g.levels[0]
            col = ctx.df[name].where(ctx.df[name].isin([v for v, _ in g.levels]))
            phrase = (
                lab[len("người ") :]
                if lab.startswith("người ")
                else f"thuộc {narrative._group_phrase(lab)}"
            )
            out[phrase] = (col == lv).astype(float).where(col.notna())
    return out


def models(ctx: Context) -> None:
    if ctx.given_drivers is not None:
        terms = list(ctx.given_drivers)
        ctx.models.append(
            (
                "mức độ hài lòng chung",
                DriverModel(terms=[Driver(**vars(d)) for d in terms], n=len(ctx.df)),
            )
        )
        return
    conf = ctx.s.get("drivers") or {}
    specs = conf.get("model")
    if specs is None:
        specs = [
            {"outcome": conf.get("outcome", "c9"), "predictors": [conf.get("predictors", "c7")]}
        ]
    for spec in specs:
        name = str(spec.get("outcome", ""))
        info = ctx.by_name.get(name)
        if name in ctx.matrix_items:
            # A matrix as outcome: its index (share of positive answers over the items).
            items = ctx.matrix_items[name]
            mat = pd.concat([binary(ctx.df, i.name, POSITIVE, exclude=(9,)) for i in items], axis=1)
            y = (mat.mean(axis=1) >= 0.5).astype(float).where(mat.notna().any(axis=1))
            subject = str(spec.get("subject") or f"chỉ số chung câu {name.upper()}")
        elif info is not None and info.kind == "scale5" and name in ctx.df:
            y = binary(ctx.df, name, POSITIVE, exclude=(9,))
            subject = ctx.subject(name) or f"câu {info.number}"
        else:
            continue
        preds = _predictors(ctx, [str(p) for p in spec.get("predictors", [])])
        if not preds:
            continue
        ctx.models.append((subject, ctx.est.drivers(ctx.df, y, preds)))


def units(ctx: Context) -> None:
    """Key indicators in each unit whose base passes, and the units significantly below the
    rest of the province (design-based test of the unit against the other units)."""
    if "unit" not in ctx.df:
        return
    keys = (ctx.s.get("units") or {}).get("indicators")
    pool = {i.name: i for i in all_indicators(ctx)}
    chosen = [pool[k] for k in (keys or []) if k in pool] or ctx.indicators[:4]
    ctx.unit_indicators = chosen
    codes = ctx.df["unit"].astype(str)
    names = ctx.survey.unit_names
    for code in sorted(codes.unique()):
        inside = codes == code
        res = UnitResult(code, names.get(code, code), {})
        for ind in chosen:
            y = binary(ctx.df, ind.name, ind.codes)
            e = ctx.est.proportions(ctx.df, y, [1], domain=inside)[0]
            res.estimates[ind.name] = e
            if not ctx.safe(e) or e.value >= ind.estimate.value:
                continue
            test = ctx.est.crosstab_test(ctx.df, y, inside.map({True: 1, False: 0}))
            if narrative.is_difference(test, ctx.alpha):
                res.below.append(ind.name)
        ctx.unit_results.append(res)


def risks(ctx: Context) -> None:
    """Risk signals: configured answers whose share reaches the configured level."""
    conf = ctx.s.get("risks") or {}
    level = float(conf.get("share", 0.10))
    for name, spec in (conf.get("items") or {}).items():
        info = ctx.by_name.get(name)
        if info is None or name not in ctx.df:
            continue
        codes = tuple(spec.get("codes", [1])) if isinstance(spec, dict) else tuple(spec)
        what = spec.get("label", "") if isinstance(spec, dict) else ""
        e = ctx.share(name, codes)
        if ctx.safe(e) and e.value >= level:
            ctx.risks.append(
                (what or f"chọn “{ctx.options_text(info, codes)}” ở câu {info.number}", e)
            )


def findings(ctx: Context) -> None:
    """5–7 numbered key findings, each from an indicator, a ranking or a risk signal."""
    out: list[tuple[str, str]] = []
    for ind in ctx.indicators:
        if not ctx.safe(ind.estimate) or ind.info is None:
            continue
        out.append((ind.name, narrative.quantified_sentence(ind.estimate, ind.compare, ctx.quant)))
    for name, r in ctx.rankings.items():
        if name == "chung" or len(r.items) < 2:
            continue
        info = ctx.by_name.get(r.items[0].key)
        lead = f"Ở câu {name.upper()}"
        if info is not None and info.matrix_label:
            lead += f" (“{info.matrix_label}”)"
        out.append(
            (
                f"bottom:{name}",
                f"{lead}, "
                + lower_first(narrative.ranking_sentence(r, "đánh giá tích cực", lowest=True)),
            )
        )
    for what, e in ctx.risks:
        out.append((f"risk:{what}", f"Tín hiệu cần lưu ý: {narrative.pct(e)} ý kiến {what}."))
    limit = int((ctx.s.get("summary") or {}).get("findings", 7))
    # Keep the risk signals and rankings; fill with indicators in questionnaire order.
    special = [o for o in out if ":" in o[0]]
    plain = [o for o in out if ":" not in o[0]]
    keep = plain[: max(0, limit - len(special))] + special
    keep = keep[:limit]
    order = {k: i for i, (k, _) in enumerate(out)}
    keep.sort(key=lambda kv: order[kv[0]])
    ctx.findings = [Finding(i, text, key) for i, (key, text) in enumerate(keep, start=1)]


def deff_warning(ctx: Context, deffs: list[float]) -> float:
    """Median design effect; a clustered design giving deff < 1 is a build warning."""
    deff = float(pd.Series(deffs).median()) if deffs else 1.0
    if deffs and deff < 1 and ctx.design_info.get("psus", 0) < len(ctx.df):
        ctx.log.append(
            f"Hiệu ứng thiết kế trung vị {vn.fmt_num(deff, 2)} < 1 trên mẫu chọn cụm: kiểm tra lại "
            "các cột thiết kế (tầng, cụm, trọng số)."
        )
    return deff if math.isfinite(deff) else 1.0


def neg_label(ind: Indicator) -> str:
    return ind.label


__all__: list[Any] = ["run"]
