"""Survey designs backed by a SQL table (PostgreSQL, SQLite, DuckDB; Parquet through DuckDB).

Taylor linearisation needs only the totals of the linearised variables per PSU. Every estimate
is one `GROUP BY stratum, psu[, domain[, category]]` query pushed down to the database; the
few thousand PSU rows come back and the variance is finished in numpy by the same code as the
in-memory `Design` (a `Design` over the PSU table). Rows are never loaded into Python, so a
national pooling of provinces' surveys (100 million rows) is estimated in the database.

    d = SqlDesign("postgres://…/db", "answers", strata="province", psu="commune", weight="w")
    d = SqlDesign("pooled.parquet", strata="province", psu="commune", weight="w")  # DuckDB
    mean(d, "c1", by="gioi"); proportions(d, "b2"); crosstab(d, "b2", "nhom")

Supported: strata, one stage of clusters (with or without a stage-1 fpc), weights, the
lonely-PSU rules, domains. Not here (use the in-memory Design): a second stage with fpc2,
certainty units, calibration, quantiles.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from khaosat.stats.design import LONELY_RULES, Design
from khaosat.stats.errors import StatsError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def _connect(source: Any) -> tuple[Any, str]:
    """A DB-API connection and its dialect from a URL, a file path or a connection."""
    if not isinstance(source, str | Path):
        mod = type(source).__module__
        if mod.startswith("duckdb"):
            return source, "duckdb"
        if mod.startswith("sqlite3"):
            return source, "sqlite"
        if mod.startswith("psycopg"):
            return source, "postgres"
        raise StatsError(
            "Kết nối cơ sở dữ liệu không được hỗ trợ; hãy dùng PostgreSQL, SQLite hoặc DuckDB."
        )
    s = str(source)
    if s.startswith(("postgres://", "postgresql://")):
        import psycopg

        try:
            return psycopg.connect(s), "postgres"
        except psycopg.Error as exc:
            raise StatsError(
                f"Không kết nối được cơ sở dữ liệu PostgreSQL ({exc.__class__.__name__}); "
                "hãy kiểm tra địa chỉ --db."
            ) from exc
    if s.startswith("sqlite:///"):
        import sqlite3

        return sqlite3.connect(s[len("sqlite:///") :]), "sqlite"
    if s.startswith("duckdb://"):
        import duckdb

        path = s[len("duckdb://") :].lstrip("/") or ":memory:"
        return duckdb.connect(
            "/" + path if s.startswith("duckdb:///") and path != ":memory:" else path
        ), "duckdb"
    raise StatsError(
        f"Địa chỉ cơ sở dữ liệu '{s}' không hợp lệ; dùng postgres://…, sqlite:///tệp hoặc duckdb:///tệp."
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqlDesign:
    """A stratified cluster design over a SQL table or a Parquet file (estimates in the DB)."""

    is_sql = True

    def __init__(
        self,
        source: Any,
        table: str | None = None,
        *,
        strata: str | None = None,
        psu: str | None = None,
        weight: str | None = None,
        fpc: str | None = None,
        lonely_psu: str = "fail",
    ) -> None:
        if lonely_psu not in LONELY_RULES:
            raise StatsError(
                f"Quy tắc tầng một PSU '{lonely_psu}' không hợp lệ; "
                f"hãy dùng một trong: {', '.join(LONELY_RULES)}."
            )
        if psu is None:
            raise StatsError(
                "Ước lượng trong cơ sở dữ liệu cần cột đơn vị mẫu cấp 1 (--psu); với mẫu ngẫu "
                "nhiên đơn hãy đọc dữ liệu vào bộ nhớ."
            )
        if isinstance(source, str | Path) and str(source).lower().endswith((".parquet", ".pq")):
            import duckdb

            path = Path(source)
            if not path.exists():
                raise StatsError(f"Không tìm thấy tệp '{path}'; hãy kiểm tra đường dẫn.")
            self.conn = duckdb.connect()
            self.dialect = "duckdb"
            self.relation = "read_parquet('" + str(path).replace("'", "''") + "')"
            self.source_label = path.name
        else:
            if not table or not _IDENT.match(table):
                raise StatsError(
                    f"Tên bảng '{table}' không hợp lệ; hãy dùng --table với tên bảng (chữ, số, _)."
                )
            self.conn, self.dialect = _connect(source)
            self.relation = ".".join(_q(p) for p in table.split("."))
            self.source_label = table
        self.columns = self._columns()
        self.lonely_psu = lonely_psu
        self.spec = {
            "strata": strata,
            "psu": psu,
            "ssu": None,
            "weight": weight,
            "fpc": fpc,
            "fpc2": None,
        }
        for what, col in (("tầng", strata), ("PSU", psu), ("trọng số", weight), ("fpc", fpc)):
            if col is not None:
                self._col(col, what)
        self._s = _q(strata) if strata else "0"
        self._p = _q(psu)
        self._w = f"CAST({_q(weight)} AS DOUBLE PRECISION)" if weight else "1.0"
        self._build(fpc)
        self.calibrations: list[Any] = []
        self.notes: list[str] = []
        self.calibrated = False

    # ------------------------------------------------------------------ plumbing
    def _columns(self) -> list[str]:
        cur = self.conn.cursor()
        try:
            cur.execute(f"SELECT * FROM {self.relation} LIMIT 0")
        except Exception as exc:  # noqa: BLE001 - any driver error is a bad table for the user
            raise StatsError(
                f"Không đọc được bảng '{self.source_label}' ({type(exc).__name__}); hãy kiểm tra "
                "tên bảng và quyền truy cập."
            ) from exc
        cols = [d[0] for d in cur.description]
        cur.close()
        return cols

    def _col(self, name: str, what: str = "biến") -> str:
        if name not in self.columns:
            raise StatsError(
                f"Không tìm thấy cột '{name}' (dùng làm {what}) trong bảng '{self.source_label}'; "
                "hãy kiểm tra tên cột."
            )
        return _q(name)

    def _group(self, extra: list[str]) -> str:
        """GROUP BY list: (stratum,) psu, extra — no constant when there are no strata."""
        keys = ([self._s] if self.spec["strata"] else []) + [self._p, *extra]
        return ", ".join(keys)

    def query(self, sql: str) -> list[tuple]:
        cur = self.conn.cursor()
        try:
            cur.execute(sql)
            rows = cur.fetchall()
        finally:
            cur.close()
        return rows

    def _build(self, fpc: str | None) -> None:
        f = f"CAST({_q(fpc)} AS DOUBLE PRECISION)" if fpc else "NULL"
        w = self._w
        rows = self.query(
            f"SELECT {self._s}, {self._p}, COUNT(*), SUM(CASE WHEN {w} <> 0 THEN 1 ELSE 0 END), "
            f"SUM({w}), MIN({w}), MIN({f}), MAX({f}), "
            f"SUM(CASE WHEN {w} IS NULL THEN 1 ELSE 0 END) "
            f"FROM {self.relation} GROUP BY {self._group([])}"
        )
        if not rows:
            raise StatsError(f"Bảng '{self.source_label}' không có dòng nào; không thể ước lượng.")
        psus = pd.DataFrame(
            rows, columns=["s", "p", "nrows", "nz", "sw", "wmin", "fmin", "fmax", "wnull"]
        )
        if psus["s"].isna().any() or psus["p"].isna().any():
            raise StatsError(
                "Cột tầng hoặc PSU thiếu giá trị ở một số dòng; mọi phiếu phải có thông tin thiết kế mẫu."
            )
        if psus["wnull"].sum() > 0 or (psus["wmin"].astype(float) < 0).any():
            raise StatsError("Trọng số thiếu hoặc âm ở một số dòng; hãy sửa cột trọng số.")
        if fpc and (psus["fmin"] != psus["fmax"]).any():
            raise StatsError(
                "Giá trị fpc thay đổi bên trong một PSU; mỗi tầng phải có một giá trị fpc."
            )
        self._psus = psus
        pd_psu = psus[["s", "p"]].copy()
        if fpc:
            pd_psu["f"] = psus["fmin"].astype(float)
        # the PSU table as a design: its variance of PSU totals is the design's
        self._pd = Design(
            pd_psu,
            strata="s" if self.spec["strata"] else None,
            psu="p",
            fpc="f" if fpc else None,
            lonely_psu=self.lonely_psu,
        )
        self._key = {(a, b): i for i, (a, b) in enumerate(zip(psus["s"], psus["p"], strict=True))}
        order = self._pd._order  # PSU rows in the inner design's order
        self._pos = np.empty(len(order), dtype=np.int64)
        self._pos[order] = np.arange(len(order))
        self.n = int(psus["nrows"].sum())
        self.n_psu = self._pd.n_psu
        self.n_strata = self._pd.n_strata
        self.stratum_labels = self._pd.stratum_labels
        self.N_h = self._pd.N_h
        self.two_stage = False
        self._nz = psus["nz"].to_numpy(dtype=float)[order]
        self._wtot = float(psus["sw"].astype(float).sum())

    def degf(self) -> int:
        """PSUs with a nonzero weight minus their strata (R's degf)."""
        ok = self._nz > 0
        return int(ok.sum() - len(np.unique(self._pd.psu_stratum[ok])))

    def _degf_by(self, present: np.ndarray) -> np.ndarray:
        """present: PSU x G booleans (a nonzero-weight row of the domain in the PSU)."""
        st = self._pd.psu_stratum
        out = []
        for g in range(present.shape[1]):
            ok = present[:, g]
            out.append(int(ok.sum() - len(np.unique(st[ok]))))
        return np.array(out)

    def summary(self) -> str:
        parts = [f"{self.n} phiếu", f"{self.n_strata} tầng", f"{self.n_psu} PSU"]
        parts.append("có fpc" if self.N_h is not None else "chọn có hoàn lại ở cấp 1")
        parts.append(f"bậc tự do {self.degf()}")
        return "Thiết kế mẫu (trong cơ sở dữ liệu): " + ", ".join(parts) + "."

    # ------------------------------------------------------------------ aggregation
    def _grouped(
        self, extra: list[str], sums: list[str]
    ) -> tuple[np.ndarray, list[list[Any]], np.ndarray]:
        """GROUP BY stratum, psu, *extra: PSU index per group row, extra values, sums."""
        cols = ", ".join([self._s, self._p, *extra])
        sql = f"SELECT {cols}, {', '.join(sums)} FROM {self.relation} GROUP BY {self._group(extra)}"
        rows = self.query(sql)
        if not rows:
            return np.zeros(0, dtype=np.int64), [[] for _ in extra], np.zeros((0, len(sums)))
        z = list(zip(*rows, strict=True))
        psu = np.array(
            [self._pos[self._key[(a, b)]] for a, b in zip(z[0], z[1], strict=True)], dtype=np.int64
        )
        ex = [list(z[2 + i]) for i in range(len(extra))]
        vals = np.array(
            [[np.nan if v is None else float(v) for v in col] for col in z[2 + len(extra) :]]
        ).T
        return psu, ex, vals

    @staticmethod
    def _labels(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
        """Codes (-1 = NULL) and sorted labels, as pandas.factorize(sort=True) in memory."""
        ser = pd.Series(values, dtype=object)
        isnull = ser.isna()
        try:
            codes, labels = pd.factorize(ser.where(~isnull, None).infer_objects(), sort=True)
        except TypeError:
            codes, labels = pd.factorize(ser.astype(str).where(~isnull), sort=True)
        return codes.astype(np.int64), list(labels)

    def _domain_codes(self, by: str | None, vals: list[Any] | None):
        from khaosat.stats.estimators import _py

        if by is None:
            return None, [None], None
        codes, labels = self._labels(vals)
        return codes, [_py(v) for v in labels], by

    def linear(self, var: str, by: str | None, kind: str):
        """Means or totals of `var` by domain: a _Linear as the in-memory estimators build."""
        y = f"CAST({self._col(var)} AS DOUBLE PRECISION)"
        w = self._w
        ans = f"{y} IS NOT NULL"
        extra = [self._col(by, "miền")] if by else []
        sums = [
            f"SUM(CASE WHEN {ans} THEN {w} ELSE 0 END)",
            f"SUM(CASE WHEN {ans} THEN {w} * {y} ELSE 0 END)",
            f"SUM(CASE WHEN {ans} THEN {w} * {y} * {y} ELSE 0 END)",
            f"SUM(CASE WHEN {ans} AND {w} <> 0 THEN 1 ELSE 0 END)",
            "COUNT(*)",
            f"SUM(CASE WHEN {w} <> 0 THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {ans} THEN 1 ELSE 0 END)",
        ]
        psu, ex, v = self._grouped(extra, sums)
        codes, labels, by_name = self._domain_codes(by, ex[0] if by else None)
        G = len(labels)
        if codes is None:
            codes = np.zeros(len(psu), dtype=np.int64)
        keep = codes >= 0
        psu, codes, v = psu[keep], codes[keep], v[keep]
        P = self.n_psu
        sw, swy, swyy, nans, nrow, nzr, nvr = (v[:, i] for i in range(7))
        W = np.bincount(codes, weights=sw, minlength=G)
        T = np.bincount(codes, weights=swy, minlength=G)
        n = np.bincount(codes, weights=nans, minlength=G).astype(int)
        nrows = np.bincount(codes, weights=nrow, minlength=G).astype(int)
        nvalid = np.bincount(codes, weights=nvr, minlength=G).astype(int)
        with np.errstate(divide="ignore", invalid="ignore"):
            ybar = T / W
        yb = np.where(np.isfinite(ybar), ybar, 0.0)
        invW = np.where(W > 0, 1.0 / np.where(W > 0, W, 1.0), 0.0)
        key = psu * G + codes
        Sw = np.bincount(key, weights=sw, minlength=P * G).reshape(P, G)
        Sy = np.bincount(key, weights=swy, minlength=P * G).reshape(P, G)
        zu = (Sy - yb[None, :] * Sw) * invW[None, :] if kind == "mean" else Sy
        answered = np.bincount(psu, weights=nans, minlength=P) > 0
        cov = self._pd.variance_units(zu, answered[self._row_of_psu()])
        if self.lonely_psu == "average" and G > 1:
            inpsu = np.bincount(key, weights=nans, minlength=P * G).reshape(P, G) > 0
            for g in range(G):
                cov[g, g] = self._pd.variance_units(zu[:, [g]], inpsu[:, g][self._row_of_psu()])[
                    0, 0
                ]
        ssq = (np.bincount(codes, weights=swyy, minlength=G) - 2 * yb * T + yb**2 * W)[:, None]
        present = np.bincount(key, weights=nzr, minlength=P * G).reshape(P, G) > 0
        value = (ybar if kind == "mean" else T)[:, None]
        res = _finish_sql(self, value, cov, ssq, W, n, nrows, G, kind, present, nvalid)
        return res, labels, by_name

    def _row_of_psu(self) -> np.ndarray:
        """Map PSU index (inner design order) -> row of the inner design (identity: sorted)."""
        return np.arange(self.n_psu)

    def categories(self, var: str, by: str | None, where: str | None = None):
        """Proportions of every category of `var` by domain (one GROUP BY query)."""
        x = self._col(var)
        w = self._w
        extra = [x] + ([self._col(by, "miền")] if by else [])
        sums = [f"SUM({w})", f"SUM(CASE WHEN {w} <> 0 THEN 1 ELSE 0 END)", "COUNT(*)"]
        psu, ex, v = self._grouped(extra, sums)
        cat, cats = self._labels(ex[0])
        from khaosat.stats.estimators import _py

        cats = [_py(c) for c in cats]
        if not cats:
            raise StatsError(f"Biến '{var}' không có câu trả lời nào; không thể tính tỉ lệ.")
        codes, labels, by_name = self._domain_codes(by, ex[1] if by else None)
        if codes is None:
            codes = np.zeros(len(psu), dtype=np.int64)
        return (
            self._props_from_cells(psu, cat, len(cats), codes, len(labels), v),
            cats,
            labels,
            by_name,
        )

    def _props_from_cells(self, psu, cat, K, codes, G, v):
        keep = codes >= 0
        psu, cat, codes, v = psu[keep], cat[keep], codes[keep], v[keep]
        sw, nz, nr = v[:, 0], v[:, 1], v[:, 2]
        ok = cat >= 0
        P = self.n_psu
        W = np.bincount(codes[ok], weights=sw[ok], minlength=G)
        n = np.bincount(codes[ok], weights=nz[ok], minlength=G).astype(int)
        nrows = np.bincount(codes, weights=nr, minlength=G).astype(int)
        nvalid = np.bincount(codes[ok], weights=nr[ok], minlength=G).astype(int)
        T = np.bincount(codes[ok] * K + cat[ok], weights=sw[ok], minlength=G * K).reshape(G, K)
        with np.errstate(divide="ignore", invalid="ignore"):
            ybar = T / W[:, None]
        yb = np.where(np.isfinite(ybar), ybar, 0.0)
        invW = np.where(W > 0, 1.0 / np.where(W > 0, W, 1.0), 0.0)
        pk = psu[ok] * G + codes[ok]
        Sw = np.bincount(pk, weights=sw[ok], minlength=P * G).reshape(P, G)
        Sy = np.bincount(pk * K + cat[ok], weights=sw[ok], minlength=P * G * K).reshape(P, G, K)
        zu = ((Sy - yb[None, :, :] * Sw[:, :, None]) * invW[None, :, None]).reshape(P, G * K)
        answered = np.bincount(psu[ok], weights=nr[ok], minlength=P) > 0
        cov = self._pd.variance_units(zu, answered)
        if self.lonely_psu == "average" and G > 1:
            ing = np.bincount(pk, weights=nr[ok], minlength=P * G).reshape(P, G) > 0
            for g in range(G):
                sl = slice(g * K, (g + 1) * K)
                cov[sl, sl] = self._pd.variance_units(zu[:, sl], ing[:, g])
        ssq = W[:, None] * yb * (1 - yb)
        present = np.bincount(psu * G + codes, weights=nz, minlength=P * G).reshape(P, G) > 0
        return _finish_sql(self, ybar, cov, ssq, W, n, nrows, G, "mean", present, nvalid)

    def cell_totals(self, rows: str, cols: str):
        """Per-PSU weighted totals of every (row, column) cell (NULLs kept as their own group)."""
        r, c = self._col(rows), self._col(cols)
        w = self._w
        psu, ex, v = self._grouped(
            [r, c], [f"SUM({w})", f"SUM(CASE WHEN {w} <> 0 THEN 1 ELSE 0 END)", "COUNT(*)"]
        )
        rc, rlev = self._labels(ex[0])
        cc, clev = self._labels(ex[1])
        return psu, rc, rlev, cc, clev, v


def _finish_sql(sd: SqlDesign, value, cov, ssq, W, n, nrows, G, kind, present, nvalid):
    """deff and df as estimators._finish does (df from PSUs with a row of the domain)."""
    from khaosat.stats.estimators import _Linear

    p = value.shape[1]
    invW = np.where(W > 0, 1.0 / np.where(W > 0, W, 1.0), 0.0)
    var = np.diag(cov).reshape(G, p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        svyvar = ssq * invW[:, None] * (n / (n - 1.0))[:, None]
        factor = (W - n) / (W * n)
        vsrs = svyvar * factor[:, None]
        if kind == "total":
            vsrs = vsrs * (W**2)[:, None]
        deff = var / vsrs
    bad = (W < n) | (n < 2)
    deff[bad, :] = np.nan
    deff[~np.isfinite(deff)] = np.nan
    df = sd._degf_by(present)
    return _Linear(value, cov, deff, W, n, nrows, df, np.zeros(0, dtype=np.int64), nvalid)


def write_table(conn: Any, table: str, df: pd.DataFrame, dialect: str | None = None) -> None:
    """Create `table` from a data frame (NaN -> NULL): PostgreSQL by COPY, SQLite, DuckDB."""
    if not _IDENT.match(table):
        raise StatsError(f"Tên bảng '{table}' không hợp lệ.")
    if dialect is None:
        dialect = _connect(conn)[1]
    types = []
    for c in df.columns:
        k = df[c].dtype.kind
        types.append("DOUBLE PRECISION" if k in "fiub" else "TEXT")
    cols = ", ".join(f"{_q(str(c))} {t}" for c, t in zip(df.columns, types, strict=True))
    cur = conn.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {_q(table)}")
    cur.execute(f"CREATE TABLE {_q(table)} ({cols})")
    if dialect == "duckdb":
        conn.register("_khaosat_frame", df)
        cur.execute(f"INSERT INTO {_q(table)} SELECT * FROM _khaosat_frame")
        conn.unregister("_khaosat_frame")
    else:
        rows = df.astype(object).where(df.notna(), None).itertuples(index=False, name=None)
        if dialect == "postgres":
            with cur.copy(f"COPY {_q(table)} FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
        else:
            marks = ", ".join("?" for _ in df.columns)
            cur.executemany(f"INSERT INTO {_q(table)} VALUES ({marks})", list(rows))
    conn.commit() if dialect != "duckdb" else None
    cur.close()


# Above this many rows a survey's estimates are better computed where the data live.
SQL_THRESHOLD = 2_000_000


def design_for(
    n_rows: int,
    *,
    frame: Any = None,
    source: Any = None,
    table: str | None = None,
    threshold: int = SQL_THRESHOLD,
    **design: Any,
) -> Design | SqlDesign:
    """The design to estimate with: a SqlDesign over `source`/`table` when the data have more
    than `threshold` rows and a database is given, else the in-memory Design of `frame()` (a
    data frame, or a callable that builds it, so that a large table is never loaded).

    The hook for the web app's results: pass the row count, the PostgreSQL connection and the
    flat answers table, and a function that reads the answers into a data frame; the same verbs
    (mean, proportions, crosstab, …) then work on either design.
    """
    if source is not None and table and n_rows > threshold:
        keep = {
            k: v for k, v in design.items() if k in ("strata", "psu", "weight", "fpc", "lonely_psu")
        }
        extra = sorted(k for k, v in design.items() if k not in keep and v is not None)
        if not extra:
            return SqlDesign(source, table, **keep)
    if frame is None:
        raise StatsError("Không có dữ liệu để ước lượng.")
    df = frame() if callable(frame) else frame
    return Design(df, **design)
