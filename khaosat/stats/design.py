"""The survey design object: strata, one or two stages of clusters, weights, fpc, calibration.

Variance follows R `survey` (Lumley) svyrecvar/multistage exactly: with-replacement at stage 1
unless an fpc is given; a second-stage term (scaled by the stage-1 sampling fraction) when both
fpcs are given; lonely-PSU rules as options(survey.lonely.psu). Rows are sorted once by
(stratum, PSU, SSU) so that cluster totals are computed with np.add.reduceat / np.bincount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from khaosat.stats.errors import StatsError

LONELY_RULES = ("fail", "certainty", "remove", "adjust", "average")

ColumnOrArray = str | Sequence[Any] | np.ndarray | pd.Series | None


@dataclass
class _PostStratum:
    codes: np.ndarray  # per (sorted) row, post-stratum code
    weights: np.ndarray  # weights after this step
    oldweights: np.ndarray  # weights before this step


@dataclass
class _Raking:
    margins: list[tuple[np.ndarray, np.ndarray]]  # (codes, weights after that margin)


@dataclass
class _Greg:
    q: np.ndarray  # orthonormal basis of the column space of mm * sqrt(w0)
    w: np.ndarray  # g * sqrt(w0)


def _codes(x: Any) -> tuple[np.ndarray, list[Any]]:
    """Sorted integer codes of a column (text comparison when types are mixed)."""
    ser = pd.Series(np.asarray(x))
    try:
        codes, labels = pd.factorize(ser, sort=True)
    except TypeError:
        codes, labels = pd.factorize(ser.astype(str), sort=True)
    return codes.astype(np.int64), list(labels)


class Design:
    """A complex survey design built once from a data frame (like R's svydesign)."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        strata: ColumnOrArray = None,
        psu: ColumnOrArray = None,
        ssu: ColumnOrArray = None,
        weight: ColumnOrArray = None,
        fpc: ColumnOrArray = None,
        fpc2: ColumnOrArray = None,
        lonely_psu: str = "fail",
        certainty: ColumnOrArray = None,
        deff: str = "srswor",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            data = pd.DataFrame(data)
        if lonely_psu not in LONELY_RULES:
            raise StatsError(
                f"Quy tắc tầng một PSU '{lonely_psu}' không hợp lệ; "
                f"hãy dùng một trong: {', '.join(LONELY_RULES)}."
            )
        n = len(data)
        if n == 0:
            raise StatsError("Bộ dữ liệu không có dòng nào; hãy kiểm tra tệp đầu vào.")
        self.lonely_psu = lonely_psu
        if deff not in ("srswor", "srswr"):
            raise StatsError("Kiểu hệ số thiết kế (deff) phải là 'srswor' hoặc 'srswr'.")
        # "srswor": R's deff=TRUE (SRS without replacement, N = sum of weights);
        # "srswr": R's deff="replace" (Kish, SRS with replacement of the same size).
        self.deff_kind = deff
        self.spec = {
            "strata": strata if isinstance(strata, str) else None,
            "psu": psu if isinstance(psu, str) else None,
            "ssu": ssu if isinstance(ssu, str) else None,
            "weight": weight if isinstance(weight, str) else None,
            "fpc": fpc if isinstance(fpc, str) else None,
            "fpc2": fpc2 if isinstance(fpc2, str) else None,
        }

        def col(x: ColumnOrArray, what: str) -> np.ndarray | None:
            if x is None:
                return None
            if isinstance(x, str):
                if x not in data.columns:
                    raise StatsError(
                        f"Không tìm thấy cột '{x}' (dùng làm {what}) trong dữ liệu; "
                        "hãy kiểm tra tên cột."
                    )
                arr = data[x].to_numpy()
                name = x
            else:
                arr = np.asarray(x)
                name = what
                if len(arr) != n:
                    raise StatsError(
                        f"{what} có {len(arr)} giá trị nhưng dữ liệu có {n} dòng; hãy sửa cho khớp."
                    )
            if pd.isna(arr).any():
                i = int(np.flatnonzero(pd.isna(arr))[0])
                raise StatsError(
                    f"Cột '{name}' ({what}) thiếu giá trị ở dòng {i + 1}; "
                    "mọi phiếu phải có thông tin thiết kế mẫu."
                )
            return arr

        s = col(strata, "tầng")
        p = col(psu, "đơn vị mẫu cấp 1 (PSU)")
        q = col(ssu, "đơn vị mẫu cấp 2 (SSU)")
        w = col(weight, "trọng số")
        f1 = col(fpc, "hiệu chỉnh tổng thể hữu hạn (fpc)")
        f2 = col(fpc2, "fpc cấp 2")
        cert = col(certainty, "đơn vị chọn chắc chắn")
        if q is not None and p is None:
            raise StatsError("Đã khai báo SSU nhưng chưa khai báo PSU; hãy thêm --psu.")
        if cert is not None and p is None:
            raise StatsError(
                "Đã khai báo đơn vị chọn chắc chắn nhưng chưa khai báo PSU (đơn vị); hãy thêm --psu."
            )
        if f2 is not None and f1 is None:
            raise StatsError("Đã khai báo fpc cấp 2 nhưng chưa có fpc cấp 1; hãy thêm --fpc.")
        self.has_strata = s is not None
        if s is None:
            s = np.zeros(n, dtype=np.int64)
        rowid = np.arange(n)
        if p is None:
            p = rowid
        two_stage = q is not None and f1 is not None and f2 is not None
        if f1 is not None:
            f1 = np.asarray(f1, dtype=float)
        if f2 is not None:
            f2 = np.asarray(f2, dtype=float)

        # Integer codes per design column (sorted labels; mixed types compared as text).
        s_code, s_lab = _codes(s)
        p_code, _ = _codes(p)
        q_code = _codes(q)[0] if q is not None else None
        s_lab = [str(x) for x in s_lab]
        # Certainty units: their own stratum, respondents as sampling units (stage 1).
        if cert is not None:
            c = np.asarray(cert).astype(bool)
            if c.any():
                cu_code, cu_lab = _codes(np.asarray(p)[c])
                s_code = s_code.copy()
                s_code[c] = len(s_lab) + cu_code
                s_lab = s_lab + [f"{u} (chọn chắc chắn)" for u in cu_lab]
                p_code = p_code.copy()
                p_code[c] = p_code.max() + 1 + np.arange(int(c.sum()))
                if f1 is not None:
                    f1 = f1.copy()
                    # the unit's population (fpc2) becomes the stage-1 fpc; none -> with replacement
                    if f2 is not None:
                        f1[c] = f2[c]
                        f2 = f2.copy()
                        f2[c] = 1.0
                    else:
                        f1[c] = np.inf
                if q_code is not None:
                    q_code = q_code.copy()
                    q_code[c] = 0
        self.two_stage = two_stage
        used, s_code = np.unique(s_code, return_inverse=True)
        s_code = s_code.ravel()
        self.stratum_labels = np.array(s_lab, dtype=object)[used]
        psu_code = np.unique(s_code * (int(p_code.max()) + 1) + p_code, return_inverse=True)[1]
        psu_code = psu_code.ravel()
        if two_stage:
            unit_code = np.unique(psu_code * (int(q_code.max()) + 1) + q_code, return_inverse=True)[
                1
            ].ravel()
        else:
            unit_code = psu_code
        order = np.argsort(unit_code, kind="stable")
        self._order = order
        self.n = n
        self.data = data.iloc[order].reset_index(drop=True)
        self.row_unit = unit_code[order]
        self.row_psu = psu_code[order]
        self.row_stratum = s_code[order]
        U = int(self.row_unit.max()) + 1
        P = int(self.row_psu.max()) + 1
        H = int(self.row_stratum.max()) + 1
        self.n_units, self.n_psu, self.n_strata = U, P, H
        self.unit_start = np.flatnonzero(np.r_[True, np.diff(self.row_unit) != 0])
        self.unit_psu = self.row_psu[self.unit_start]
        psu_first_row = np.flatnonzero(np.r_[True, np.diff(self.row_psu) != 0])
        self.psu_stratum = self.row_stratum[psu_first_row]
        self.psu_unit_start = np.flatnonzero(np.r_[True, np.diff(self.unit_psu) != 0])
        self.stratum_psu_start = np.flatnonzero(np.r_[True, np.diff(self.psu_stratum) != 0])
        self.n_h = np.bincount(self.psu_stratum, minlength=H).astype(float)
        self.m_i = np.bincount(self.unit_psu, minlength=P).astype(float)

        # fpc: all >= 1 (population counts) or all <= 1 (sampling fractions), as R's as.fpc.
        self.N_h: np.ndarray | None = None
        self.M_i: np.ndarray | None = None
        if f1 is not None:
            f1s = f1[order]
            f2s = f2[order] if f2 is not None else None
            allv = np.concatenate([f1s[np.isfinite(f1s)]] + ([f2s] if two_stage else []))
            # An infinite population (fpc = inf) means "no correction" in that stratum; a column
            # with only inf is a with-replacement design, not sampling fractions of 0.
            is_pop = bool((allv > 1).any()) or allv.size == 0
            if is_pop and (allv < 1).any():
                raise StatsError(
                    "Cột fpc trộn lẫn cỡ tổng thể (>1) và tỉ lệ chọn (<1); hãy dùng một loại."
                )
            N_h = self._per_group(f1s, self.row_stratum, H, "fpc", "tầng")
            if not is_pop:
                with np.errstate(divide="ignore"):
                    N_h = np.where(N_h > 0, self.n_h / np.where(N_h > 0, N_h, 1), np.inf)
            if (N_h < self.n_h).any():
                h = int(np.flatnonzero(N_h < self.n_h)[0])
                raise StatsError(
                    f"fpc của tầng '{self.stratum_labels[h]}' nhỏ hơn số PSU đã chọn "
                    f"({int(self.n_h[h])}); hãy kiểm tra cỡ tổng thể."
                )
            self.N_h = N_h
            if two_stage:
                M_i = self._per_group(f2s, self.row_psu, P, "fpc2", "PSU")
                if not is_pop:
                    with np.errstate(divide="ignore"):
                        M_i = np.where(M_i > 0, self.m_i / np.where(M_i > 0, M_i, 1), np.inf)
                if (M_i < self.m_i).any():
                    raise StatsError(
                        "fpc cấp 2 của một PSU nhỏ hơn số SSU đã chọn trong PSU đó; "
                        "hãy kiểm tra cột fpc2."
                    )
                self.M_i = M_i

        if w is None:
            if self.N_h is not None:
                ws = (self.N_h / self.n_h)[self.row_stratum]
                if two_stage:
                    ws = ws * (self.M_i / self.m_i)[self.row_psu]
                ws = np.where(np.isfinite(ws), ws, 1.0)
            else:
                ws = np.ones(n)
        else:
            try:
                ws = np.asarray(w, dtype=float)[order]
            except (TypeError, ValueError) as exc:
                raise StatsError("Trọng số phải là số; hãy kiểm tra cột trọng số.") from exc
            if (ws < 0).any() or not np.isfinite(ws).all():
                i = int(np.flatnonzero((ws < 0) | ~np.isfinite(ws))[0])
                raise StatsError(
                    f"Trọng số âm hoặc không hữu hạn ở dòng {int(order[i]) + 1}; hãy sửa trọng số."
                )
        if ws.max() <= 0:
            raise StatsError("Tổng trọng số bằng 0; không thể ước lượng.")
        if ws.max() > 1e300:
            raise StatsError(
                "Trọng số quá lớn (trên 10^300) nên tổng trọng số vượt quá giới hạn của số thực; "
                "hãy chia cột trọng số cho một hằng số (ví dụ 10^100) rồi nhân kết quả tổng lại."
            )
        self.weights = ws
        self.calibrations: list[Any] = []
        self.notes: list[str] = []

    @staticmethod
    def _per_group(vals: np.ndarray, codes: np.ndarray, G: int, name: str, what: str) -> np.ndarray:
        first = np.full(G, np.nan)
        first[codes[::-1]] = vals[::-1]
        if not np.allclose(first[codes], vals, rtol=1e-12, atol=0, equal_nan=True):
            raise StatsError(
                f"Giá trị {name} thay đổi bên trong một {what}; mỗi {what} phải có một giá trị {name}."
            )
        return first

    # ------------------------------------------------------------------ helpers
    def align(self, values: Any) -> np.ndarray:
        """Return a column name's values, or reorder an external array to the design's row order."""
        if isinstance(values, str):
            if values not in self.data.columns:
                raise StatsError(
                    f"Không tìm thấy cột '{values}' trong dữ liệu; hãy kiểm tra tên cột."
                )
            return self.data[values].to_numpy()
        arr = np.asarray(values)
        if len(arr) != self.n:
            raise StatsError(f"Mảng có {len(arr)} giá trị nhưng dữ liệu có {self.n} dòng.")
        return arr[self._order]

    def whole_sample_sums(self) -> tuple[float, int, np.ndarray]:
        """Cached sum of weights, count of nonzero weights and weight total per sampling unit."""
        cached = getattr(self, "_whole_cache", None)
        if cached is not None and cached[0] is self.weights:
            return cached[1]
        w = self.weights
        value = (
            float(w.sum()),
            int(np.count_nonzero(w)),
            np.bincount(self.row_unit, weights=w, minlength=self.n_units),
        )
        self._whole_cache = (w, value)
        return value

    def weight_scale(self) -> float:
        """1, or a power of two near the largest weight when weights are huge (or tiny).

        Sums are then taken on weights / scale, which is exact in floating point, so that
        squares of totals (variances) do not overflow; results are scaled back.
        """
        cached = getattr(self, "_scale_cache", None)
        if cached is not None and cached[0] is self.weights:
            return cached[1]
        m = float(np.max(self.weights))
        value = 1.0
        if m > 0 and not (2.0**-60 < m < 2.0**60):
            value = float(2.0 ** (np.frexp(m)[1] - 1))
        self._scale_cache = (self.weights, value)
        return value

    def weights_in_input_order(self) -> np.ndarray:
        """Current (possibly calibrated) weights in the row order of the input data."""
        out = np.empty(self.n)
        out[self._order] = self.weights
        return out

    def degf(self, rows: np.ndarray | None = None) -> int:
        """Design degrees of freedom: PSUs minus strata among rows with nonzero weight."""
        if rows is None:
            cached = getattr(self, "_degf_cache", None)
            if cached is not None and cached[0] is self.weights:
                return cached[1]
            value = self.degf(np.ones(self.n, dtype=bool))
            self._degf_cache = (self.weights, value)
            return value
        inset = self.weights != 0
        inset = inset & rows
        if not inset.any():
            return 0
        psus = np.unique(self.row_psu[inset])
        return int(len(psus) - len(np.unique(self.psu_stratum[psus])))

    def degf_by(self, codes: np.ndarray, G: int) -> np.ndarray:
        """Degrees of freedom of each domain (codes -1 = outside every domain)."""
        if G == 1 and (codes >= 0).all():
            return np.array([self.degf()])
        ok = (codes >= 0) & (self.weights != 0)
        key = (self.row_psu * G + codes)[ok]
        pk = np.bincount(key, minlength=self.n_psu * G).reshape(self.n_psu, G) > 0
        n_psu = pk.sum(axis=0)
        sk = np.zeros((self.n_strata, G))
        np.add.at(sk, self.psu_stratum, pk.astype(float))
        return (n_psu - (sk > 0).sum(axis=0)).astype(int)

    def unit_sums(self, codes: np.ndarray, G: int, values: list[np.ndarray]) -> np.ndarray:
        """Sums of each row value per (lowest sampling unit, domain): array U x G x len(values)."""
        c = np.where(codes >= 0, codes, G)
        key = self.row_unit * (G + 1) + c
        out = np.empty((self.n_units, G, len(values)))
        size = self.n_units * (G + 1)
        for k, v in enumerate(values):
            out[:, :, k] = np.bincount(key, weights=v, minlength=size).reshape(self.n_units, G + 1)[
                :, :G
            ]
        return out

    @property
    def calibrated(self) -> bool:
        return bool(self.calibrations)

    # ------------------------------------------------------------------ variance
    def residualize(self, x: np.ndarray) -> np.ndarray:
        """Apply calibration linearisation to row scores (as R's svyrecvar with postStrata)."""
        x = np.array(x, dtype=float, copy=True)
        for cal in self.calibrations:
            if isinstance(cal, _Greg):
                with np.errstate(divide="ignore", invalid="ignore"):
                    y = np.where(cal.w[:, None] != 0, x / cal.w[:, None], 0.0)
                y = y - cal.q @ (cal.q.T @ y)
                x = y * cal.w[:, None]
            elif isinstance(cal, _Raking):
                for _ in range(10):
                    for codes, psw in cal.margins:
                        G = int(codes.max()) + 1
                        cnt = np.bincount(codes, minlength=G).astype(float)
                        with np.errstate(divide="ignore", invalid="ignore"):
                            r = np.where(psw[:, None] != 0, x / psw[:, None], 0.0)
                        for j in range(x.shape[1]):
                            m = np.bincount(codes, weights=r[:, j], minlength=G) / cnt
                            x[:, j] = x[:, j] - psw * m[codes]
            else:
                psw = cal.weights.copy()
                oldw = cal.oldweights
                psw[(psw == 0) & (oldw == 0)] = 1.0
                G = int(cal.codes.max()) + 1
                den = np.bincount(cal.codes, weights=oldw, minlength=G)
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = np.where(psw[:, None] != 0, x * oldw[:, None] / psw[:, None], 0.0)
                for j in range(x.shape[1]):
                    m = np.bincount(cal.codes, weights=r[:, j], minlength=G) / den
                    x[:, j] = x[:, j] - m[cal.codes] * psw
        return x

    def variance_rows(self, x: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Covariance matrix of the totals of row scores x (n x q), Taylor linearisation."""
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if self.calibrations:
            x = self.residualize(x)
        zu = np.add.reduceat(x, self.unit_start, axis=0)
        return self._variance(zu, present)

    def variance_units(self, zu: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Covariance from totals per lowest sampling unit (U x q); `present`: rows in the domain."""
        if self.calibrations:
            raise RuntimeError("calibrated designs need row-level scores (variance_rows)")
        return self._variance(zu, present)

    def _present_strata(self, present: np.ndarray | None) -> np.ndarray:
        if present is None:
            return np.ones(self.n_strata, dtype=bool)
        return np.bincount(self.row_stratum, weights=present, minlength=self.n_strata) > 0

    def _variance(self, zu: np.ndarray, present: np.ndarray | None) -> np.ndarray:
        q = zu.shape[1]
        zp = np.add.reduceat(zu, self.psu_unit_start, axis=0) if self.two_stage else zu
        n_h = self.n_h
        if self.N_h is None:
            f = np.ones_like(n_h)
        else:
            with np.errstate(invalid="ignore"):
                f = np.where(np.isinf(self.N_h), 1.0, (self.N_h - n_h) / self.N_h)
        lonely = n_h == 1
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(lonely, f, f * n_h / (n_h - 1))
        scale = np.where(f < 1e-7, 0.0, scale)
        pres = self._present_strata(present)
        bad = lonely & (f >= 1e-7) & pres
        rule = self.lonely_psu
        if bad.any() and rule == "fail":
            h = int(np.flatnonzero(bad)[0])
            raise StatsError(
                f"Tầng '{self.stratum_labels[h]}' chỉ có một đơn vị mẫu cấp 1 (PSU) nên không "
                "ước lượng được phương sai; hãy gộp tầng hoặc chọn quy tắc --lonely-psu "
                "(certainty, remove, adjust, average)."
            )
        means = np.add.reduceat(zp, self.stratum_psu_start, axis=0) / n_h[:, None]
        dev = zp - means[self.psu_stratum]
        if rule == "adjust":
            lp = lonely[self.psu_stratum]
            dev[lp] = zp[lp]
        if rule == "average":
            scale = np.where(bad, 0.0, scale)
        d = dev * np.sqrt(scale)[self.psu_stratum][:, None]
        v = d.T @ d
        if rule == "average" and bad.any():
            nstrat = int(pres.sum())
            nok = nstrat - int(bad.sum())
            if nok == 0:
                raise StatsError(
                    "Mọi tầng đều chỉ có một PSU nên quy tắc 'average' không áp dụng được; "
                    "hãy gộp tầng."
                )
            v = v * nstrat / nok
        if self.two_stage:
            m = self.m_i
            with np.errstate(invalid="ignore", divide="ignore"):
                f2 = np.where(np.isinf(self.M_i), 1.0, (self.M_i - m) / self.M_i)
            lonely2 = m == 1
            with np.errstate(divide="ignore", invalid="ignore"):
                sc2 = np.where(lonely2, f2, f2 * m / (m - 1))
            sc2 = np.where(f2 < 1e-7, 0.0, sc2)
            if rule == "fail" and (lonely2 & (f2 >= 1e-7)).any():
                raise StatsError(
                    "Một PSU chỉ có một đơn vị mẫu cấp 2 (SSU) nên không ước lượng được phương "
                    "sai cấp 2; hãy chọn quy tắc --lonely-psu khác hoặc bỏ fpc2."
                )
            if rule == "average":
                sc2 = np.where(lonely2, 0.0, sc2)
            with np.errstate(divide="ignore", invalid="ignore"):
                frac1 = np.where(np.isinf(self.N_h), 0.0, n_h / self.N_h)
            sc2 = sc2 * frac1[self.psu_stratum]
            pmeans = zp / m[:, None]
            dev2 = zu - pmeans[self.unit_psu]
            if rule == "adjust":
                lu = lonely2[self.unit_psu]
                dev2[lu] = zu[lu]
            d2 = dev2 * np.sqrt(sc2)[self.unit_psu][:, None]
            v = v + d2.T @ d2
        return v.reshape(q, q)

    def summary(self) -> str:
        """Short Vietnamese description of the design."""
        parts = [f"{self.n} phiếu", f"{self.n_strata} tầng", f"{self.n_psu} PSU"]
        if self.two_stage:
            parts.append(f"{self.n_units} SSU (hai giai đoạn)")
        parts.append("có fpc" if self.N_h is not None else "chọn có hoàn lại ở cấp 1")
        if self.calibrations:
            parts.append("đã hiệu chỉnh trọng số")
        parts.append(f"bậc tự do {self.degf()}")
        return "Thiết kế mẫu: " + ", ".join(parts) + "."
