"""Reading scanned forms: registration by ArUco markers, QR serials, mark classification.

The pure entry point is `read_pages(pages, layout) -> ReadResult`; `load_scans(paths)` turns
PDF and image files into pages. Nothing is guessed: a mark between thresholds, two marks in a
single choice, a mark the skip logic excludes, or a page without a readable QR code goes to
review (or is refused) with a Vietnamese reason and an image crop.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from khaosat.paper import logic
from khaosat.paper.errors import ScanError
from khaosat.paper.layout import (
    MARKER_SIZE,
    MARKERS,
    PAGE_H,
    PAGE_W,
    QR_RECT,
    Box,
    FormLayout,
    PageLayout,
)
from khaosat.paper.printing import QR_FORMAT, QR_PREFIX

PPM = 8.0  # pixels per mm of the registered page image (203 dpi)
DETECT_PPM = 5.0  # pixels per mm for marker detection
SEARCH_MM = 0.6  # local re-alignment window around each box (registration is ~0.1 mm)
INSET_MM = 0.6  # interior of a box = box minus this on every side

# mark classification on ink density (mean darkness of the interior, 0..1) and solid share
EMPTY_MAX = 0.025
MARK_MIN = 0.085
MARK_MAX = 0.75
MARK_SOLID_MAX = 0.8
SOLID_MIN = 0.9
NOISE_GREY = 25.0
FILLED_DENSITY = 0.6

_SERIAL_RE = re.compile(r"^[A-Za-z0-9]{2,12}-\d{4}$")


# -- data --------------------------------------------------------------------------------


@dataclass
class ScanPage:
    """One scanned page: grey or colour image and where it came from (file, page)."""

    image: np.ndarray
    source: str


@dataclass
class BoxMark:
    """How one box was read: state is 'empty', 'marked', 'filled' (cancelled) or 'uncertain'."""

    variable: str
    code: int | str
    page: int
    state: str
    density: float
    solid: float


@dataclass
class ReviewItem:
    """Something a person must decide, with the reason and where to look on the page."""

    serial: str
    page: int
    kind: str  # uncertain | multiple | too_many | constraint | skip | missing_page | duplicate_page
    message: str
    variable: str | None = None
    number: str = ""
    codes: list = field(default_factory=list)
    rect_mm: tuple[float, float, float, float] | None = None
    source: str = ""
    crop_png: bytes | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (without the image)."""
        return {
            "serial": self.serial,
            "page": self.page,
            "kind": self.kind,
            "message": self.message,
            "variable": self.variable,
            "number": self.number,
            "codes": list(self.codes),
            "rect_mm": list(self.rect_mm) if self.rect_mm else None,
            "source": self.source,
        }


@dataclass
class WriteInCrop:
    """The image of a write-in area (handwriting is keyed by a person, not read)."""

    serial: str
    page: int
    variable: str
    rect_mm: tuple[float, float, float, float]
    has_ink: bool
    png: bytes


@dataclass
class FormResult:
    """One form read from its pages: serial, answers (codes), what to review, missing pages."""

    serial: str
    unit: str
    answers: dict[str, Any]
    review: list[ReviewItem]
    pages: dict[int, str]  # page number -> source
    missing_pages: list[int]
    writeins: list[WriteInCrop]
    marks: list[BoxMark]
    page_images: dict[int, bytes] = field(default_factory=dict)  # registered pages (JPEG)

    def metadata(self) -> dict[str, Any]:
        """What capture keeps with the submission: pages (source, image hash) and review."""
        import hashlib

        pages = []
        for n, source in sorted(self.pages.items()):
            entry: dict[str, Any] = {"page": n, "source": source}
            if n in self.page_images:
                entry["sha256"] = hashlib.sha256(self.page_images[n]).hexdigest()
            pages.append(entry)
        return {
            "pages": pages,
            "review": [r.to_dict() for r in self.review],
            "missing_pages": list(self.missing_pages),
        }

    @property
    def complete(self) -> bool:
        """All pages were read."""
        return not self.missing_pages

    @property
    def needs_review(self) -> bool:
        """Anything for a person to look at."""
        return bool(self.review) or bool(self.missing_pages)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (images left out; write-ins listed with has_ink)."""
        return {
            "serial": self.serial,
            "unit": self.unit,
            "answers": self.answers,
            "complete": self.complete,
            "missing_pages": self.missing_pages,
            "pages": {str(k): v for k, v in sorted(self.pages.items())},
            "review": [r.to_dict() for r in self.review],
            "writeins": [
                {
                    "variable": w.variable,
                    "page": w.page,
                    "has_ink": w.has_ink,
                    "rect_mm": list(w.rect_mm),
                }
                for w in self.writeins
            ],
        }


@dataclass
class UnreadablePage:
    """A page that was not assigned to any form, and why (Vietnamese)."""

    source: str
    reason: str
    kind: str  # blank no_markers no_qr other_survey other_version other_layout cover bad_page

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"source": self.source, "kind": self.kind, "reason": self.reason}


@dataclass
class ReadResult:
    """Forms read, pages not used, and every review item across forms."""

    forms: list[FormResult]
    unreadable: list[UnreadablePage]

    @property
    def review(self) -> list[ReviewItem]:
        """All review items of all forms."""
        return [r for f in self.forms for r in f.review]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "forms": [f.to_dict() for f in self.forms],
            "unreadable": [u.to_dict() for u in self.unreadable],
        }


# -- loading scans -------------------------------------------------------------------------


def load_scans(paths: Iterable[str | Path], dpi: int = 200) -> list[ScanPage]:
    """Pages of PDF (rasterised with pdfium) and image files; raises ScanError for a bad file."""
    pages: list[ScanPage] = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise ScanError(f"Không tìm thấy tệp «{path}». Hãy kiểm tra lại đường dẫn.")
        data = path.read_bytes()
        pages.extend(load_scan_bytes(data, path.name, dpi))
    return pages


def load_scan_bytes(data: bytes, name: str, dpi: int = 200) -> list[ScanPage]:
    """Pages of one uploaded file (PDF, PNG, JPEG, TIFF); raises ScanError with the file name."""
    if data[:5] == b"%PDF-":
        return _load_pdf(data, name, dpi)
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        out = []
        for k, frame in enumerate(ImageSequence.Iterator(img)):
            arr = np.asarray(frame.convert("L"))
            label = name if getattr(img, "n_frames", 1) == 1 else f"{name}, trang {k + 1}"
            out.append(ScanPage(arr.copy(), label))
        return out
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ScanError(
            f"Không đọc được tệp «{name}» như ảnh hoặc PDF ({exc.__class__.__name__}). "
            "Tệp có thể bị hỏng hoặc chưa tải lên hết; hãy quét hoặc tải lại "
            "(nhận PDF, PNG, JPEG, TIFF)."
        ) from None


def _load_pdf(data: bytes, name: str, dpi: int) -> list[ScanPage]:
    import pypdfium2 as pdfium

    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise ScanError(
            f"Tệp PDF «{name}» bị cắt cụt (thiếu phần cuối tệp). Không trang nào của tệp này "
            "được đọc; hãy quét hoặc tải lại toàn bộ tệp."
        )
    try:
        pdf = pdfium.PdfDocument(data)
        out = []
        for i in range(len(pdf)):
            bitmap = pdf[i].render(scale=dpi / 72.0, grayscale=True)
            arr = bitmap.to_numpy()
            if arr.ndim == 3:
                arr = cv2.cvtColor(arr[:, :, :3], cv2.COLOR_BGR2GRAY)
            out.append(ScanPage(np.ascontiguousarray(arr), f"{name}, trang {i + 1}"))
        return out
    except pdfium.PdfiumError as exc:
        raise ScanError(
            f"Tệp PDF «{name}» hỏng hoặc không đầy đủ ({exc}). Không trang nào của tệp này "
            "được đọc; hãy quét hoặc tải lại toàn bộ tệp."
        ) from None


# -- registration --------------------------------------------------------------------------

_DICT = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)


def _detector() -> cv2.aruco.ArucoDetector:
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    return cv2.aruco.ArucoDetector(_DICT, params)


_DET = _detector()


def _corner_hits(grey: np.ndarray, scale: float) -> list[tuple[int, np.ndarray]]:
    """Markers found in the four corner regions of the image (points in full-image pixels)."""
    h, w = grey.shape
    side = int(0.27 * min(h, w))
    hits = []
    for y, x in ((0, 0), (0, w - side), (h - side, 0), (h - side, w - side)):
        region = grey[y : y + side, x : x + side]
        small = (
            region
            if scale == 1.0
            else cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        corners, ids, _ = _DET.detectMarkers(small)
        if ids is None:
            continue
        for c, i in zip(corners, ids.ravel(), strict=True):
            hits.append((int(i), c.reshape(4, 2) / scale + np.array([x, y], dtype=np.float32)))
    return hits


def _find_markers(grey: np.ndarray, scale: float) -> dict[int, np.ndarray]:
    found: dict[int, np.ndarray] = {}
    for i, pts in _corner_hits(grey, scale):
        if i not in MARKERS:
            continue
        area = cv2.contourArea(pts.astype(np.float32))
        if i not in found or area > cv2.contourArea(found[i].astype(np.float32)):
            found[i] = pts
    return found


def _marker_page_pts(mid: int) -> np.ndarray:
    x, y = MARKERS[mid]
    s = MARKER_SIZE
    return np.array([[x, y], [x + s, y], [x + s, y + s], [x, y + s]], dtype=np.float64)


@dataclass
class _Registered:
    page: np.ndarray  # canonical grey image, PPM pixels per mm
    markers: int


def _register(grey: np.ndarray) -> _Registered | None:
    h, w = grey.shape[:2]
    # the page's long side ~297 mm: detect at about DETECT_PPM px/mm
    scale = min(1.0, DETECT_PPM * PAGE_H / max(h, w))
    found = _find_markers(grey, scale)
    if len(found) < 4 and scale < 1.0:  # a marker missed: look again at a finer scale
        more = _find_markers(grey, min(1.0, scale * 1.6))
        if len(more) > len(found):
            found = more
    if len(found) < 3:
        return None
    src = np.vstack([_marker_page_pts(i) for i in sorted(found)]) * PPM
    dst = np.vstack([found[i] for i in sorted(found)]).astype(np.float64)
    if len(found) >= 4:
        m, _ = cv2.findHomography(src, dst, 0)
    else:
        # least squares over the 12 corners of three markers
        design = np.hstack([src, np.ones((len(src), 1))])
        sol, *_ = np.linalg.lstsq(design, dst, rcond=None)
        m = np.vstack([sol.T, [0, 0, 1]])
    if m is None:
        return None
    proj = cv2.perspectiveTransform(src.reshape(-1, 1, 2), m).reshape(-1, 2)
    err = np.sqrt(((proj - dst) ** 2).sum(1)).max()
    px_per_mm = np.sqrt(abs(np.linalg.det(m[:2, :2]))) * PPM
    if err > 2.0 * px_per_mm:  # markers inconsistent with a flat page
        return None
    size = (int(PAGE_W * PPM), int(PAGE_H * PPM))
    page = cv2.warpPerspective(
        grey,
        m,
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )
    return _Registered(page, len(found))


def _is_blank(grey: np.ndarray) -> bool:
    small = cv2.resize(grey, (210, 297), interpolation=cv2.INTER_AREA)
    level = float(np.percentile(small, 90))
    return float((small < level * 0.75).mean()) < 0.002


def _read_qr(page: np.ndarray) -> str | None:
    import zxingcpp

    x, y, w, h = QR_RECT
    m = 5.0
    crop = page[
        int((y - m) * PPM) : int((y + h + m) * PPM), int((x - m) * PPM) : int((x + w + m) * PPM)
    ]
    crop = np.ascontiguousarray(crop)
    # as is; sharpened (blurred low-dpi scans); smoothed (noisy or dithered scans)
    sharp = cv2.addWeighted(crop, 2.0, cv2.GaussianBlur(crop, (0, 0), 2.0), -1.0, 0)
    for img in (crop, sharp, cv2.GaussianBlur(crop, (3, 3), 0)):
        res = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
        for r in res:
            if r.valid and r.text.startswith(QR_PREFIX + "|"):
                return r.text
    return None


# -- marks -----------------------------------------------------------------------------------


def _paper_map(page: np.ndarray) -> np.ndarray:
    """Local paper level at 1 px per mm: the brightest grey within about 5 mm."""
    small = cv2.resize(page, (int(PAGE_W), int(PAGE_H)), interpolation=cv2.INTER_AREA)
    level = cv2.dilate(small, np.ones((5, 5), np.uint8))
    return cv2.blur(level, (5, 5)).astype(np.float32)


def _align(profile: np.ndarray, span: int, lw: int) -> int:
    """Offset where two printed lines `span` apart sit best in an ink profile."""
    c = np.concatenate([[0.0], np.cumsum(profile)])
    n = len(profile) - span - lw + 1
    if n <= 0:
        return 0
    starts = np.arange(n)
    score = (c[starts + lw] - c[starts]) + (c[starts + span + lw] - c[starts + span])
    # near-ties (a box filled solid has no edges to find) go to the expected place
    near = np.flatnonzero(score >= score.max() - 0.03 * abs(score.max()))
    return int(near[np.argmin(np.abs(near - (n - 1) / 2))])


def _measure(
    page: np.ndarray, box: Box, paper_map: np.ndarray | None = None
) -> tuple[float, float, tuple[int, int, int, int]]:
    """Ink density and solid share of a box interior, after local re-alignment."""
    x0, y0 = round(box.x * PPM), round(box.y * PPM)
    wpx, hpx = round(box.w * PPM), round(box.h * PPM)
    s = round(SEARCH_MM * PPM)
    f = round(1.5 * PPM)  # flanks: lines that run past the box (rules, shading) are not its edges
    lw = max(2, round(0.4 * PPM))
    H, W = page.shape
    ins = round(INSET_MM * PPM)
    core = page[y0 + ins : y0 + hpx - ins, x0 + ins : x0 + wpx - ins]
    filled = core.size > 0 and float(np.median(core)) < 128  # no edges to find: keep the place
    if not filled and s + f + lw <= x0 < W - wpx - s - f - lw and s + lw <= y0 < H - hpx - s - lw:
        # x: column profile over the box's rows
        rows = page[y0 : y0 + hpx, x0 - s - lw // 2 : x0 + wpx + s + lw]
        x0 = x0 - s - lw // 2 + _align(255.0 - rows.mean(0), wpx, lw) + lw // 2
        # y: row profile over the box's columns, minus the quieter flank beside it
        cols = page[y0 - s - lw // 2 : y0 + hpx + s + lw].astype(np.float32)
        inside = 255.0 - cols[:, x0 : x0 + wpx].mean(1)
        left = 255.0 - cols[:, x0 - s - f : x0 - s].mean(1)
        right = 255.0 - cols[:, x0 + wpx + s : x0 + wpx + s + f].mean(1)
        y0 = y0 - s - lw // 2 + _align(inside - np.minimum(left, right), hpx, lw) + lw // 2
    if paper_map is not None:
        cy = min(paper_map.shape[0] - 1, int((y0 + hpx / 2) / PPM))
        cx = min(paper_map.shape[1] - 1, int((x0 + wpx / 2) / PPM))
        paper = max(float(paper_map[cy, cx]), 60.0)
    else:
        pad = round(2.0 * PPM)
        around = page[max(0, y0 - pad) : y0 + hpx + pad, max(0, x0 - pad) : x0 + wpx + pad]
        paper = max(float(np.percentile(around, 92)), 60.0)
    inner = page[y0 + ins : y0 + hpx - ins + 1, x0 + ins : x0 + wpx - ins + 1].astype(np.float32)
    if inner.size == 0:
        return 0.0, 0.0, (x0, y0, wpx, hpx)
    # grey within NOISE_GREY of the paper is not ink (scanner noise, JPEG ringing, outline blur)
    dark = np.clip((paper - NOISE_GREY - inner) / (paper * 0.6 - NOISE_GREY), 0.0, 1.0)
    density = float(dark.mean())
    solid = float((inner < paper * 0.75).mean())  # share covered by ink of any darkness
    return density, solid, (x0, y0, wpx, hpx)


def classify(density: float, solid: float) -> str:
    """'empty', 'marked', 'filled' (a cancelled box) or 'uncertain' from ink measures."""
    if density <= EMPTY_MAX:
        return "empty"
    if solid >= SOLID_MIN and density >= FILLED_DENSITY:
        return "filled"
    if MARK_MIN <= density <= MARK_MAX and solid <= MARK_SOLID_MAX:
        return "marked"
    return "uncertain"


def _png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    return buf.tobytes() if ok else b""


def _crop_mm(page: np.ndarray, rect: tuple[float, float, float, float]) -> np.ndarray:
    x, y, w, h = rect
    return page[
        max(0, int(y * PPM)) : int((y + h) * PPM), max(0, int(x * PPM)) : int((x + w) * PPM)
    ]


# -- per page --------------------------------------------------------------------------------


@dataclass
class _PageRead:
    source: str
    serial: str
    number: int
    jpeg: bytes  # the registered page, compressed: a large batch must fit in memory
    marks: list[BoxMark]

    @property
    def page(self) -> np.ndarray:
        return cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)


def _read_one(scan: ScanPage, layout: FormLayout) -> _PageRead | UnreadablePage:
    grey = scan.image
    if grey.ndim == 3:
        grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY if grey.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    if grey.dtype != np.uint8:
        grey = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    reg = _register(grey)
    if reg is None:
        if _is_blank(grey):
            return UnreadablePage(
                scan.source, "Trang trắng (không có nội dung) — đã bỏ qua.", "blank"
            )
        return UnreadablePage(
            scan.source,
            "Không tìm thấy đủ 3 trong 4 ô định vị ở góc trang: đây không phải trang phiếu khảo "
            "sát, hoặc góc trang bị che, gấp hay quét thiếu. Hãy kiểm tra tờ giấy và quét lại "
            "cả trang.",
            "no_markers",
        )
    text = _read_qr(reg.page)
    if text is None:
        return UnreadablePage(
            scan.source,
            "Không đọc được mã QR ở góc trên bên phải nên không biết trang thuộc phiếu nào "
            "(không gán theo phỏng đoán). Hãy quét lại trang rõ hơn (200–300 dpi) hoặc nhập "
            "tay phiếu này.",
            "no_qr",
        )
    parts = text.split("|")
    if len(parts) >= 6 and parts[5] == "COVER":
        return UnreadablePage(
            scan.source,
            f"Trang bìa lô phiếu của đơn vị {parts[6] if len(parts) > 6 else '?'} — không phải "
            "phiếu trả lời, đã bỏ qua.",
            "cover",
        )
    if len(parts) != 7 or parts[1] != QR_FORMAT:
        return UnreadablePage(scan.source, "Mã QR không phải của phiếu khảo sát khaosat.", "no_qr")
    _, _, survey, version, fingerprint, serial, pageinfo = parts
    if survey != layout.survey:
        return UnreadablePage(
            scan.source,
            f"Trang thuộc cuộc khảo sát «{survey}», không phải «{layout.survey}» đang đọc. "
            "Hãy đọc trang này cùng bảng hỏi của nó.",
            "other_survey",
        )
    if version != layout.version:
        return UnreadablePage(
            scan.source,
            f"Phiếu {serial} in theo phiên bản bảng hỏi «{version}», khác phiên bản "
            f"«{layout.version}» đang đọc. Hãy đọc các trang này với đúng phiên bản bảng hỏi.",
            "other_version",
        )
    if fingerprint != layout.fingerprint:
        return UnreadablePage(
            scan.source,
            f"Phiếu {serial} in theo một bố cục khác (mã {fingerprint}, đang đọc {layout.fingerprint})"
            " dù cùng phiên bản: bảng hỏi đã bị sửa mà không đổi phiên bản. Hãy dùng đúng tệp "
            "bảng hỏi đã dùng khi in.",
            "other_layout",
        )
    try:
        num, total = (int(v) for v in pageinfo.split("/"))
    except ValueError:
        num, total = 0, 0
    if not _SERIAL_RE.match(serial) or total != layout.page_count or not 1 <= num <= total:
        return UnreadablePage(
            scan.source, f"Mã QR có số phiếu/trang không hợp lệ: «{text}».", "bad_page"
        )
    pl: PageLayout = layout.pages[num - 1]
    marks = []
    paper_map = _paper_map(reg.page)
    for b in pl.boxes:
        density, solid, _ = _measure(reg.page, b, paper_map)
        marks.append(
            BoxMark(
                b.variable,
                b.code,
                num,
                classify(density, solid),
                round(density, 4),
                round(solid, 4),
            )
        )
    ok, jpeg = cv2.imencode(".jpg", reg.page, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return _PageRead(scan.source, serial, num, jpeg.tobytes(), marks)


# -- assembling forms ------------------------------------------------------------------------


def read_pages(
    pages: Sequence[ScanPage | np.ndarray],
    layout: FormLayout,
    crops: bool = True,
    keep_pages: bool = False,
) -> ReadResult:
    """Read scanned pages (any order/orientation, several forms mixed) against a layout.

    crops: attach PNG crops to review items and write-in areas; keep_pages: attach each
    registered (straightened, 8 px/mm) page as JPEG to its form, for a review screen.
    """
    unreadable: list[UnreadablePage] = []
    by_serial: dict[str, dict[int, _PageRead]] = {}
    dups: dict[str, list[_PageRead]] = {}
    for k, p in enumerate(pages):
        scan = p if isinstance(p, ScanPage) else ScanPage(p, f"ảnh {k + 1}")
        r = _read_one(scan, layout)
        if isinstance(r, UnreadablePage):
            unreadable.append(r)
            continue
        form = by_serial.setdefault(r.serial, {})
        if r.number in form:
            dups.setdefault(r.serial, []).append(r)
            continue
        form[r.number] = r
    forms = [
        _assemble(serial, got, dups.get(serial, []), layout, crops)
        for serial, got in sorted(by_serial.items())
    ]
    if keep_pages:
        for f in forms:
            f.page_images = {n: pr.jpeg for n, pr in by_serial[f.serial].items()}
    return ReadResult(forms, unreadable)


def _question_rect(
    layout: FormLayout, variable: str
) -> tuple[int, tuple[float, float, float, float]]:
    boxes = layout.boxes_of(variable)
    page = boxes[0][0]
    xs = [b.x for _, b in boxes]
    ys = [b.y for _, b in boxes]
    x0, y0 = min(xs) - 6.0, min(ys) - 2.0
    x1 = max(b.x + b.w for _, b in boxes) + 40.0
    y1 = max(b.y + b.h for _, b in boxes) + 2.0
    return page, (
        round(x0, 1),
        round(y0, 1),
        round(min(x1, PAGE_W - 12) - x0, 1),
        round(y1 - y0, 1),
    )


def _assemble(
    serial: str, got: dict[int, _PageRead], dups: list[_PageRead], layout: FormLayout, crops: bool
) -> FormResult:
    review: list[ReviewItem] = []
    marks = [m for n in sorted(got) for m in got[n].marks]
    missing = [n for n in range(1, layout.page_count + 1) if n not in got]
    for n in missing:
        review.append(
            ReviewItem(
                serial,
                n,
                "missing_page",
                f"Phiếu {serial} thiếu trang {n}/{layout.page_count}: các câu ở trang này chưa có câu "
                "trả lời. Hãy tìm và quét trang này, hoặc nhập tay.",
            )
        )
    for d in dups:
        review.append(
            ReviewItem(
                serial,
                d.number,
                "duplicate_page",
                f"Trang {d.number} của phiếu {serial} được quét hai lần ({got[d.number].source} và "
                f"{d.source}); đã dùng bản thứ nhất. Hãy kiểm tra hai bản có giống nhau không.",
                source=d.source,
            )
        )
    by_var: dict[str, list[BoxMark]] = {}
    for m in marks:
        by_var.setdefault(m.variable, []).append(m)

    decoded: dict[int, np.ndarray] = {}

    def image(n: int) -> np.ndarray:
        if n not in decoded:
            decoded[n] = got[n].page
        return decoded[n]

    def item(var: str, kind: str, message: str, codes: list) -> ReviewItem:
        page, rect = _question_rect(layout, var)
        pr = got.get(page)
        png = _png(_crop_mm(image(page), rect)) if (crops and pr is not None) else None
        return ReviewItem(
            serial,
            page,
            kind,
            message,
            var,
            layout.questions[var].number,
            codes,
            rect,
            pr.source if pr else "",
            png,
        )

    answers: dict[str, Any] = {}
    unknown: set[str] = set()  # variables whose answer is in doubt
    marked_codes: dict[str, list] = {}
    for var, info in layout.questions.items():
        if info.kind == "write":
            continue
        if info.page in missing:
            unknown.add(var)
            continue
        ms = by_var.get(var, [])
        marked = [m.code for m in ms if m.state == "marked"]
        unsure = [m.code for m in ms if m.state == "uncertain"]
        marked_codes[var] = marked
        where = f"Câu {info.number}"
        if unsure:
            unknown.add(var)
            review.append(
                item(
                    var,
                    "uncertain",
                    f"{where}: không chắc ô {', '.join(map(str, unsure))} có được đánh dấu hay không "
                    f"(vết mờ, nhỏ hoặc tô chưa kín). Hãy xem ảnh và chọn đáp án đúng.",
                    unsure + marked,
                )
            )
            continue
        if not marked:
            continue
        if info.kind == "one":
            if len(marked) > 1:
                unknown.add(var)
                review.append(
                    item(
                        var,
                        "multiple",
                        f"{where} chỉ được chọn một phương án nhưng có {len(marked)} ô được đánh dấu "
                        f"({', '.join(map(str, marked))}). Hãy xem ảnh và chọn đáp án đúng.",
                        marked,
                    )
                )
                continue
            answers[var] = marked[0]
        else:
            if info.max_choices and len(marked) > info.max_choices:
                unknown.add(var)
                review.append(
                    item(
                        var,
                        "too_many",
                        f"{where} chọn tối đa {info.max_choices} phương án nhưng có {len(marked)} ô "
                        f"được đánh dấu ({', '.join(map(str, marked))}). Hãy xem ảnh và quyết định.",
                        marked,
                    )
                )
                continue
            answers[var] = [c for c in info.codes if c in marked]
    # constraints and skip logic, judged only where every answer they depend on is certain
    for var in list(answers):
        info = layout.questions[var]
        if (
            info.constraint
            and info.kind == "multi"
            and not (logic.references(info.constraint) & unknown)
            and not logic.constraint_ok(info.constraint, answers[var], answers)
        ):
            review.append(
                item(
                    var,
                    "constraint",
                    f"Câu {info.number}: các ô được đánh dấu ({', '.join(map(str, answers[var]))}) "
                    "không hợp lệ theo điều kiện của câu (ví dụ chọn «không gặp khó khăn» cùng một "
                    "khó khăn). Hãy xem ảnh và quyết định.",
                    list(answers[var]),
                )
            )
            del answers[var]
    for var, info in layout.questions.items():
        codes = marked_codes.get(var)
        if not codes or var not in answers:
            continue
        refs = (
            set().union(*(logic.references(r) for r in info.relevant)) if info.relevant else set()
        )
        if refs & unknown:
            continue
        if not all(logic.evaluate(r, answers) for r in info.relevant):
            review.append(
                item(
                    var,
                    "skip",
                    f"Câu {info.number} có đánh dấu ({', '.join(map(str, codes))}) nhưng theo câu trả "
                    f"lời trước (hướng dẫn chuyển câu) người trả lời không phải trả lời câu này. "
                    "Hãy xem ảnh và quyết định giữ hay bỏ.",
                    codes,
                )
            )
    for r in review:
        if r.kind == "skip" and r.variable in answers:
            del answers[r.variable]
    writeins: list[WriteInCrop] = []
    if crops:
        for n in sorted(got):
            for w in layout.pages[n - 1].writeins:
                rect = (w.x, w.y, w.w, w.h)
                img = _crop_mm(image(n), rect)
                inner = _crop_mm(image(n), (w.x + 1.5, w.y + 1.5, w.w - 3, w.h - 3))
                level = float(np.percentile(img, 90)) if img.size else 255.0
                ink = float((inner < level * 0.6).mean()) if inner.size else 0.0
                writeins.append(WriteInCrop(serial, n, w.variable, rect, ink > 0.004, _png(img)))
    unit = serial.rsplit("-", 1)[0]
    ordered = {v: answers[v] for v in layout.questions if v in answers}
    return FormResult(
        serial,
        unit,
        ordered,
        review,
        {n: p.source for n, p in got.items()},
        missing,
        writeins,
        marks,
    )
