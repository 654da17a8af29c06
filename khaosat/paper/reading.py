"""Reading scanned forms: registration by ArUco markers, QR serials, mark classification.

The pure entry point is `read_pages(pages, layout) -> ReadResult`; `load_scans(paths)` turns
PDF and image files into pages. Nothing is guessed: a mark between thresholds, two marks in a
single choice, a mark the skip logic excludes, or a page without a readable QR code goes to
review (or is refused) with a Vietnamese reason and an image crop.
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from khaosat.paper import logic, photo
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
from khaosat.paper.printing import MASTER, QR_FORMAT, QR_PREFIX
from khaosat.stats.format import fmt_number

PPM = 8.0  # pixels per mm of the registered page image (203 dpi)
GRID_PPM = 4.0  # pixels per mm where printed box outlines are looked for (registration)
GRID_SEARCH_MM = 2.5  # how far from its expected place a box outline is looked for
GRID_SCORE = 0.5  # correlation with the printed outline that counts as "found"
RESIDUAL_MEAN_MM = 0.3  # a page whose boxes sit further from the fit than this goes to review
RESIDUAL_SHARE = 0.15  # ... or whose share of boxes off by more than RESIDUAL_BOX_MM is larger
RESIDUAL_BOX_MM = 0.6
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
PAPER_REF = 235.0  # darkness is scaled to paper this bright (a page in shadow has less of it)
FILLED_DENSITY = 0.6

_SERIAL_RE = re.compile(r"^[A-Za-z0-9]{2,12}-\d{4}$")
_UNIT_RE = re.compile(r"^[A-Za-z0-9]{2,12}$")


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
    tone: float = 1.0  # light left in the box: its median grey relative to the paper (0 = black)


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
    master: bool = False  # read from photocopies of a master form: serial issued at reading
    copy_of: str = ""  # another sheet carried this serial: this one is held as a possible copy

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


# limits checked before anything is decoded or rendered (a small file can claim a huge page)
MAX_PAGE_PT = 1300.0  # a page side in PDF points (A3 is 842 x 1191)
MAX_PIXELS = 60_000_000  # pixels of one image (a 12 MP phone photo; A4 at 600 dpi is 35 MP)
MAX_PAGES = 600  # pages of one upload (a unit's 50 forms of 4 pages, three times over)


def _too_many_pages(name: str, n: int) -> ScanError:
    return ScanError(
        f"Tệp «{name}» có {fmt_int(n)} trang, vượt giới hạn {fmt_int(MAX_PAGES)} trang cho một "
        "lần tải lên; hãy chia thành nhiều tệp nhỏ hơn rồi tải lên từng tệp."
    )


def fmt_int(n: int) -> str:
    """1.000 (Vietnamese thousands)."""
    return f"{int(n):,}".replace(",", ".")


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

    if is_heic(data) and not _register_heif():
        raise ScanError(
            f"Ảnh HEIC «{name}»: máy chủ chưa đọc được định dạng ảnh này của iPhone. Hãy đổi sang "
            "JPEG hoặc cài gói heic: trên iPhone chọn Cài đặt → Camera → Định dạng → «Tương thích "
            "nhất» rồi chụp lại (hoặc gửi ảnh qua Zalo, ảnh nhận được là JPEG); người quản trị "
            "máy chủ cài gói heic bằng lệnh pip install 'khaosat[heic]'."
        )
    try:
        img = Image.open(io.BytesIO(data))
        out = []
        for k, frame in enumerate(ImageSequence.Iterator(img)):
            if k >= MAX_PAGES:
                raise _too_many_pages(name, k + 1)
            w, h = frame.size
            if w * h > MAX_PIXELS:
                raise ScanError(
                    f"Ảnh «{name}»{f' (trang {k + 1})' if k else ''} có {fmt_int(w)}×{fmt_int(h)} "
                    f"điểm ảnh, vượt giới hạn {fmt_int(MAX_PIXELS // 1_000_000)} triệu điểm ảnh, "
                    "hãy quét ở 200–300 dpi hoặc chụp ở độ phân giải thường (8–12 MP)."
                )
            frame = _upright(frame)
            arr = np.asarray(frame.convert("L"))
            label = name if getattr(img, "n_frames", 1) == 1 else f"{name}, trang {k + 1}"
            out.append(ScanPage(arr.copy(), label))
        return out
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ScanError(
            f"Không đọc được tệp «{name}» như ảnh hoặc PDF ({exc.__class__.__name__}). "
            "Tệp có thể bị hỏng hoặc chưa tải lên hết; hãy quét hoặc tải lại "
            "(nhận PDF, PNG, JPEG, TIFF, HEIC)."
        ) from None


_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1"}
_HEIC_BRANDS |= {b"msf1"}


def is_heic(data: bytes) -> bool:
    """An HEIF/HEIC image (iPhones' photos): an ISO box `ftyp` with an HEIF brand."""
    if data[4:8] != b"ftyp":
        return False
    brands = [data[8:12]] + [data[k : k + 4] for k in range(16, min(len(data), 64), 4)]
    return any(b in _HEIC_BRANDS for b in brands)


def _register_heif() -> bool:
    """HEIC/HEIF decoding for Pillow, from the optional extra `heic` (pi-heif, the decode-only
    build of pillow-heif) or from pillow-heif itself; False when neither is installed."""
    global _HEIF
    if _HEIF is None:
        _HEIF = False
        for module in HEIF_MODULES:
            try:
                opener = importlib.import_module(module).register_heif_opener
            except ImportError:
                continue
            opener()
            _HEIF = True
            break
    return _HEIF


HEIF_MODULES = ("pi_heif", "pillow_heif")
_HEIF: bool | None = None


def _upright(frame):
    """A phone photo turned as its EXIF orientation says (the reader finds the rest)."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(frame)
    except (OSError, ValueError, TypeError):
        return frame


_OBJ = re.compile(rb"(?<![0-9])([0-9]+)\s+([0-9]+)\s+obj\b")
_REF = re.compile(rb"(?<![0-9])([0-9]+)\s+[0-9]+\s+R\b")
_PARENT = re.compile(rb"/Parent\s+[0-9]+\s+[0-9]+\s+R")


def _bad_streams(data: bytes) -> tuple[set[int], dict[int, bytes]]:
    """Objects whose Flate stream does not decode to its end (damaged bytes), and all bodies."""
    import zlib

    starts = [(int(m.group(1)), m.start(), m.end()) for m in _OBJ.finditer(data)]
    bodies: dict[int, bytes] = {}
    bad: set[int] = set()
    for k, (num, _, body_start) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else len(data)
        body = data[body_start:end]
        bodies[num] = body
        at = body.find(b"stream")
        if at < 0 or b"/FlateDecode" not in body[:at]:
            continue
        raw = body[at + 6 :]
        raw = raw[2:] if raw[:2] == b"\r\n" else raw[1:]
        stop = raw.rfind(b"endstream")
        if stop < 0:
            bad.add(num)
            continue
        raw = raw[:stop]
        ok = True
        if b"/ASCII85Decode" in body[:at]:
            import base64

            try:
                txt = raw.strip()
                txt = txt[2:] if txt.startswith(b"<~") else txt
                raw = base64.a85decode(txt if txt.endswith(b"~>") else txt + b"~>", adobe=True)
            except ValueError:
                ok = False
        d = zlib.decompressobj()
        try:
            d.decompress(raw)
            ok = ok and d.eof
        except zlib.error:
            ok = False
        if not ok:
            bad.add(num)
    return bad, bodies


def _damaged_pages(data: bytes) -> list[int] | None:
    """Page numbers (1-based) that reach a damaged stream; [] for none; None if damaged but
    no page can be named (a shared part of the file)."""
    bad, bodies = _bad_streams(data)
    if not bad:
        return []
    # the page tree in reading order: from the root /Pages through its /Kids
    roots = [
        n for n, b in bodies.items() if re.search(rb"/Type\s*/Pages\b", b) and b"/Parent" not in b
    ]
    order: list[int] = []

    def walk(n: int, depth: int = 0) -> None:
        body = bodies.get(n, b"")
        if depth > 30:
            return
        if re.search(rb"/Type\s*/Pages\b", body):
            kids = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
            for m in _REF.finditer(kids.group(1) if kids else b""):
                walk(int(m.group(1)), depth + 1)
        elif re.search(rb"/Type\s*/Page\b", body):
            order.append(n)

    for r in roots[:1]:
        walk(r)
    hit = []
    for i, n in enumerate(order):
        seen, todo = {n}, [n]
        while todo:
            body = _PARENT.sub(b"", bodies.get(todo.pop(), b"").split(b"stream", 1)[0])
            for m in _REF.finditer(body):
                r = int(m.group(1))
                if r not in seen:
                    seen.add(r)
                    todo.append(r)
        if seen & bad:
            hit.append(i + 1)
    return hit or None


def _load_pdf(data: bytes, name: str, dpi: int) -> list[ScanPage]:
    import pypdfium2 as pdfium

    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise ScanError(
            f"Tệp PDF «{name}» bị cắt cụt (thiếu phần cuối tệp). Không trang nào của tệp này "
            "được đọc; hãy quét hoặc tải lại toàn bộ tệp."
        )
    damaged = _damaged_pages(data)
    if damaged is None or damaged:
        where = (
            f"trang {', '.join(map(str, damaged[:10]))}" if damaged else "phần dữ liệu dùng chung"
        )
        raise ScanError(
            f"Tệp PDF «{name}» bị hỏng ở {where} (dữ liệu trong tệp không giải nén được). "
            "Không trang nào của tệp này được đọc hay lưu; hãy quét hoặc xuất lại toàn bộ tệp."
        )
    try:
        pdf = pdfium.PdfDocument(data)
        if len(pdf) > MAX_PAGES:
            raise _too_many_pages(name, len(pdf))
        for i in range(len(pdf)):
            w, h = pdf[i].get_size()
            if max(w, h) > MAX_PAGE_PT:
                raise ScanError(
                    f"Trang {i + 1} của tệp PDF «{name}» có khổ {fmt_int(round(w))}×"
                    f"{fmt_int(round(h))} điểm (pt), vượt giới hạn {fmt_int(MAX_PAGE_PT)} điểm "
                    "(lớn hơn khổ A3), nên không trang nào được đọc; hãy quét lại phiếu ở khổ A4."
                )
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


def _find_markers_anywhere(grey: np.ndarray) -> dict[int, np.ndarray]:
    """Markers anywhere in the image (phone photos: page smaller than the frame, tilted)."""
    h, w = grey.shape
    scale = min(1.0, 1800.0 / max(h, w))
    small = (
        grey
        if scale == 1.0
        else cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    )
    corners, ids, _ = _DET.detectMarkers(small)
    found: dict[int, np.ndarray] = {}
    if ids is None:
        return found
    for c, i in zip(corners, ids.ravel(), strict=True):
        i = int(i)
        if i not in MARKERS:
            continue
        pts = c.reshape(4, 2) / scale
        if scale < 1.0:  # refine the corners on the full image
            crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.05)
            pts = cv2.cornerSubPix(grey, pts.astype(np.float32), (5, 5), (-1, -1), crit)
        area = cv2.contourArea(pts.astype(np.float32))
        if i not in found or area > cv2.contourArea(found[i].astype(np.float32)):
            found[i] = pts
    return found


FRAME_PAD = 0.03  # white added around a photo (share of its long side) for markers at its edge


def _find_markers_padded(grey: np.ndarray) -> dict[int, np.ndarray]:
    """Markers anywhere, in the image with a white margin added around it: a marker whose own
    black border is whole but whose quiet zone the frame cut off is found; one cut by the
    frame is not (its border is incomplete), and corners outside the image are refused."""
    h, w = grey.shape
    pad = max(8, int(FRAME_PAD * max(h, w)))
    padded = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    found = {}
    for i, pts in _find_markers_anywhere(padded).items():
        pts = pts - pad
        if (pts >= 0).all() and (pts[:, 0] < w).all() and (pts[:, 1] < h).all():
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
    matrix: np.ndarray  # canonical page pixels -> image pixels
    marker_pts: np.ndarray  # detected marker corners, page mm (expected) and image px (found)
    marker_img: np.ndarray
    missing: tuple[int, ...] = ()  # markers not found

    def cut_off(self, shape: tuple[int, ...]) -> bool:
        """Whether a marker not found lies where the fit puts it outside the image (or within
        1 mm of its edge): the page's corner is outside the photo, not merely covered."""
        h, w = shape[:2]
        margin = float(np.sqrt(abs(np.linalg.det(self.matrix[:2, :2]))) * PPM)  # 1 mm in px
        for mid in self.missing:
            pts = cv2.perspectiveTransform(
                (_marker_page_pts(mid) * PPM).reshape(-1, 1, 2), self.matrix
            ).reshape(-1, 2)
            if (
                (pts < margin).any()
                or (pts[:, 0] > w - 1 - margin).any()
                or (pts[:, 1] > h - 1 - margin).any()
            ):
                return True
        return False


def _warp(grey: np.ndarray, m: np.ndarray) -> np.ndarray:
    size = (int(PAGE_W * PPM), int(PAGE_H * PPM))
    return cv2.warpPerspective(
        grey,
        m,
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )


def _register(grey: np.ndarray) -> _Registered | None:
    h, w = grey.shape[:2]
    # the page's long side ~297 mm: detect at about DETECT_PPM px/mm
    scale = min(1.0, DETECT_PPM * PAGE_H / max(h, w))
    found = _find_markers(grey, scale)
    if len(found) < 4 and scale < 1.0:  # a marker missed: look again at a finer scale
        more = _find_markers(grey, min(1.0, scale * 1.6))
        if len(more) > len(found):
            found = more
    if len(found) < 4:  # a photo: the page need not fill the frame, nor sit square in it
        more = _find_markers_anywhere(grey)
        if len(more) > len(found):
            found = more
    if len(found) < 4:  # a marker at the frame's edge, its white margin cut off by it
        more = _find_markers_padded(grey)
        if len(more) > len(found):
            found = more
    if len(found) < 3:
        return None
    src = np.vstack([_marker_page_pts(i) for i in sorted(found)]) * PPM
    dst = np.vstack([found[i] for i in sorted(found)]).astype(np.float64)
    if len(found) >= 4:
        m, _ = cv2.findHomography(src, dst, 0)
    else:
        # least squares over the 12 corners of three markers (refined later from the boxes)
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
    missing = tuple(i for i in MARKERS if i not in found)
    return _Registered(_warp(grey, m), len(found), m, src / PPM, dst, missing)


_OUTLINE: dict[tuple[float, float], np.ndarray] = {}


def _outline_template(w_mm: float, h_mm: float) -> np.ndarray:
    """A printed box outline (0,35 mm line) with 1 mm of paper around, at GRID_PPM."""
    key = (round(w_mm, 2), round(h_mm, 2))
    if key not in _OUTLINE:
        k = 4  # drawn finer, then reduced
        ppm = GRID_PPM * k
        pad = 1.0
        t = np.full((round((h_mm + 2 * pad) * ppm), round((w_mm + 2 * pad) * ppm)), 255, np.uint8)
        cv2.rectangle(
            t,
            (round(pad * ppm), round(pad * ppm)),
            (round((pad + w_mm) * ppm), round((pad + h_mm) * ppm)),
            0,
            max(1, round(0.35 * ppm)),
        )
        small = cv2.resize(
            t,
            (round((w_mm + 2 * pad) * GRID_PPM), round((h_mm + 2 * pad) * GRID_PPM)),
            interpolation=cv2.INTER_AREA,
        )
        _OUTLINE[key] = small.astype(np.float32)
    return _OUTLINE[key]


def _grid_points(page: np.ndarray, boxes: Sequence[Box]) -> tuple[np.ndarray, np.ndarray]:
    """Where each box's printed outline is on a registered page (mm), for those found.

    Returns (expected, found) box centres in mm. An outline is looked for within
    GRID_SEARCH_MM of its expected place on a copy at GRID_PPM; a correlation under GRID_SCORE
    (a box covered by ink, a torn corner) is left out.
    """
    f = GRID_PPM / PPM
    small = cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_AREA).astype(np.float32)
    H, W = small.shape
    exp, got = [], []
    r = GRID_SEARCH_MM
    for b in boxes:
        t = _outline_template(b.w, b.h)
        th, tw = t.shape
        x0 = round((b.x - 1.0 - r) * GRID_PPM)
        y0 = round((b.y - 1.0 - r) * GRID_PPM)
        x1 = x0 + tw + round(2 * r * GRID_PPM)
        y1 = y0 + th + round(2 * r * GRID_PPM)
        if x0 < 0 or y0 < 0 or x1 > W or y1 > H:
            continue
        res = cv2.matchTemplate(small[y0:y1, x0:x1], t, cv2.TM_CCOEFF_NORMED)
        _, score, _, (px, py) = cv2.minMaxLoc(res)
        if score < GRID_SCORE:
            continue
        dx = dy = 0.0
        if 0 < px < res.shape[1] - 1:  # sub-pixel peak
            a, c, e = res[py, px - 1], res[py, px], res[py, px + 1]
            den = a - 2 * c + e
            dx = 0.5 * (a - e) / den if den < 0 else 0.0
        if 0 < py < res.shape[0] - 1:
            a, c, e = res[py - 1, px], res[py, px], res[py + 1, px]
            den = a - 2 * c + e
            dy = 0.5 * (a - e) / den if den < 0 else 0.0
        fx = (x0 + px + dx) / GRID_PPM + 1.0 + b.w / 2
        fy = (y0 + py + dy) / GRID_PPM + 1.0 + b.h / 2
        exp.append((b.x + b.w / 2, b.y + b.h / 2))
        got.append((fx, fy))
    return np.array(exp, np.float64).reshape(-1, 2), np.array(got, np.float64).reshape(-1, 2)


@dataclass
class _Fit:
    page: np.ndarray
    mean_mm: float
    max_mm: float
    off_share: float
    boxes: int  # outlines found
    ok: bool


def _refine(grey: np.ndarray, reg: _Registered, boxes: Sequence[Box]) -> _Fit:
    """Fit a homography from the markers and the printed box grid; measure the residual.

    The corner markers alone (three of them, or four under a keystone) can leave the boxes
    1-2 mm off; the printed outlines of every box are many more points spread over the page.
    The page is resampled with the new fit and its residual (how far the found outlines are
    from where the fit puts them) is measured in mm.
    """
    exp, got = _grid_points(reg.page, boxes)
    if len(exp) < 6:  # too few outlines (a page without boxes, or covered): markers only
        return _Fit(reg.page, 0.0, 0.0, 0.0, len(exp), reg.markers >= 4 or len(boxes) == 0)
    # marker corners as found, mapped into the registered page (mm)
    inv = np.linalg.inv(reg.matrix)
    mk_found = cv2.perspectiveTransform(reg.marker_img.reshape(-1, 1, 2), inv).reshape(-1, 2) / PPM
    src = np.vstack([exp, reg.marker_pts])
    dst = np.vstack([got, mk_found])
    h, inliers = cv2.findHomography(src * PPM, dst * PPM, cv2.RANSAC, 0.5 * PPM)
    if h is None:
        return _Fit(reg.page, 9.9, 9.9, 1.0, len(exp), False)
    m = reg.matrix @ h
    proj = cv2.perspectiveTransform((exp * PPM).reshape(-1, 1, 2), h).reshape(-1, 2) / PPM
    err = np.sqrt(((proj - got) ** 2).sum(1))
    page = _warp(grey, m)
    mean = float(err.mean())
    off = float((err > RESIDUAL_BOX_MM).mean())
    ok = mean <= RESIDUAL_MEAN_MM and off <= RESIDUAL_SHARE
    if reg.markers < 4 and len(exp) < 0.3 * len(boxes):
        ok = False  # three markers and hardly any box to check the fit with
    return _Fit(page, mean, float(err.max()), off, len(exp), ok)


def _is_bilevel(grey: np.ndarray) -> bool:
    sample = grey[:: max(1, grey.shape[0] // 200), :: max(1, grey.shape[1] // 200)]
    return len(np.unique(sample)) <= 2


def _poor_photo(source: str, page: np.ndarray) -> UnreadablePage | None:
    """A registered page too blurred, dark or blown out to read marks on: refused before
    reading, naming the photo and (when its QR code still reads) the form's page."""
    kind = photo.problem(photo.measure(page, PPM))
    if not kind:
        return None
    where = ""
    text = _read_qr(cv2.normalize(page, None, 0, 255, cv2.NORM_MINMAX))  # a dark photo's too
    parts = text.split("|") if text else []
    if len(parts) == 7 and "/" in parts[6]:
        serial, num = parts[5], parts[6].split("/")[0]
        if serial.startswith(MASTER):
            where = f"trang {num} của phiếu không số của đơn vị {serial[len(MASTER) :]}"
        else:
            where = f"trang {num} của phiếu {serial}"
    return UnreadablePage(source, photo.message(kind, source, where), "poor_image")


def _is_blank(grey: np.ndarray) -> bool:
    small = cv2.resize(grey, (210, 297), interpolation=cv2.INTER_AREA)
    level = float(np.percentile(small, 90))
    return float((small < level * 0.75).mean()) < 0.002


def _read_qr(page: np.ndarray) -> str | None:
    x, y, w, h = QR_RECT
    m = 5.0
    crop = page[
        int((y - m) * PPM) : int((y + h + m) * PPM), int((x - m) * PPM) : int((x + w + m) * PPM)
    ]
    # a quiet zone of paper around: a fit off by a millimetre must not cut the code's edge
    level = int(np.percentile(crop, 90)) if crop.size else 255
    crop = cv2.copyMakeBorder(crop, 24, 24, 24, 24, cv2.BORDER_CONSTANT, value=level)
    crop = np.ascontiguousarray(crop)
    # as is; sharpened (blurred low-dpi scans); smoothed (noisy or dithered scans)
    sharp = cv2.addWeighted(crop, 2.0, cv2.GaussianBlur(crop, (0, 0), 2.0), -1.0, 0)
    return _form_qr((crop, sharp, cv2.GaussianBlur(crop, (3, 3), 0)))


def _read_qr_anywhere(grey: np.ndarray) -> str | None:
    """The form's QR code found anywhere in a page image (slower: only when the registered
    page does not give it)."""
    return _form_qr((grey, cv2.GaussianBlur(grey, (3, 3), 0)))


def _form_qr(images: Iterable[np.ndarray]) -> str | None:
    """The text of the first khaosat QR code found in the images, tried in turn."""
    import zxingcpp

    for img in images:
        for r in zxingcpp.read_barcodes(
            np.ascontiguousarray(img), formats=zxingcpp.BarcodeFormat.QRCode
        ):
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


def _interior(
    page: np.ndarray, box: Box, paper_map: np.ndarray | None = None
) -> tuple[np.ndarray, float, tuple[int, int, int, int]]:
    """The interior of a box after local re-alignment: grey patch, paper level, box in px."""
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
    return inner, paper, (x0, y0, wpx, hpx)


def _darkness(inner: np.ndarray, paper: float, floor: float) -> np.ndarray:
    """How much darker than the paper each pixel is (smoothed 0,4 mm: noise, JPEG, dither).

    A full-length line along an edge of the interior is a printed outline the re-alignment
    did not quite clear, never a pen mark: such edge rows/columns are left out.
    """
    d = np.clip(paper - inner, 0.0, 255.0) * (PAPER_REF / paper)
    d = cv2.blur(d, (3, 3))
    if d.size == 0:
        return d
    dark = d > floor
    for _ in range(2):
        if dark.shape[0] > 4 and dark[0].mean() > 0.85:
            d, dark = d[1:], dark[1:]
        if dark.shape[0] > 4 and dark[-1].mean() > 0.85:
            d, dark = d[:-1], dark[:-1]
        if dark.shape[1] > 4 and dark[:, 0].mean() > 0.85:
            d, dark = d[:, 1:], dark[:, 1:]
        if dark.shape[1] > 4 and dark[:, -1].mean() > 0.85:
            d, dark = d[:, :-1], dark[:, :-1]
    return d


@dataclass
class _PagePen:
    """What a page teaches about its own paper and pen: noise level and pen darkness."""

    noise: float  # grey levels below which darkness is paper (noise, shading, show-through)
    pen: float  # how much darker than the paper the page's clear marks are
    learned: int  # clear marks it was learned from


def _learn_pen(patches: list[tuple[np.ndarray, float]]) -> _PagePen:
    """A page's noise floor from its (mostly empty) boxes, and its pen from the clear marks."""
    if not patches:
        return _PagePen(NOISE_GREY, 160.0, 0)
    raw = [
        np.clip(paper - inner, 0, 255) * (PAPER_REF / paper)
        for inner, paper in patches
        if inner.size
    ]
    ds = [cv2.blur(d, (3, 3)) for d in raw]
    tails = np.array([float(np.percentile(d, 90)) for d in ds])
    noise = float(np.clip(2.0 * np.median(tails) + 8.0, 14.0, 45.0))
    pens = []
    for d in ds:
        ink = d[d > noise]
        if ink.size >= 0.08 * d.size and ink.size < 0.9 * d.size:
            pens.append(float(np.percentile(ink, 85)))
    # the upper quartile: clear marks are the darkest things in boxes (show-through is not)
    pen = float(np.percentile(pens, 75)) if len(pens) >= 2 else 160.0
    pen = float(np.clip(pen, max(30.0, 1.6 * noise), 235.0))
    return _PagePen(noise, pen, len(pens))


def _measure(
    page: np.ndarray, box: Box, paper_map: np.ndarray | None = None
) -> tuple[float, float, tuple[int, int, int, int]]:
    """Ink density and solid share of a box interior (fixed thresholds; kept for tools)."""
    inner, paper, rect = _interior(page, box, paper_map)
    if inner.size == 0:
        return 0.0, 0.0, rect
    dark = np.clip((paper - NOISE_GREY - inner) / (paper * 0.6 - NOISE_GREY), 0.0, 1.0)
    return float(dark.mean()), float((inner < paper * 0.75).mean()), rect


@dataclass
class _Ink:
    cover: float  # share darker than the page's ink threshold
    any_ink: float  # share darker than the page's noise floor (a pale fill shows here)
    strong: float  # share at least half as dark as the page's pen
    density: float  # mean darkness relative to the page's pen
    level: float  # how dark the box's ink is, relative to the page's pen (85th percentile)
    open_paper: float  # share of clear paper left after eroding 0,1 mm (a fill leaves none)
    graze: bool = False  # all ink is a thin stroke along one edge, the centre clear (a slip)
    tone: float = 1.0  # median grey of the interior relative to the paper: 1 paper, 0 black


# a stroke that only grazes a box (a slip of the pen crossing it, a line of the next answer)
# keeps to a band along one edge, no deeper than this share of the interior, leaves the
# central GRAZE_CENTRE of the box clear, and runs along the edge at least GRAZE_ALONG times
# as far as it reaches in. Ticks, crosses, dots and scribbles, even off centre, pass through
# the centre of the box.
GRAZE_DEPTH = 0.3
GRAZE_CENTRE = 0.5
GRAZE_ALONG = 2.0
GRAZE_STRAIGHT_PX = 0.5  # its inner edge off a straight line by at most this (1/16 mm)


def _grazes(mask: np.ndarray) -> bool:
    """Whether the ink of a box interior (a boolean mask) only grazes one of its edges."""
    h, w = mask.shape
    if h < 8 or w < 8 or not mask.any():
        return False
    c0, c1 = (1 - GRAZE_CENTRE) / 2, (1 + GRAZE_CENTRE) / 2
    if mask[int(h * c0) : int(np.ceil(h * c1)), int(w * c0) : int(np.ceil(w * c1))].any():
        return False
    rows = np.flatnonzero(mask.any(1))
    cols = np.flatnonzero(mask.any(0))
    r0, r1, k0, k1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    deep_h, deep_w = GRAZE_DEPTH * h, GRAZE_DEPTH * w
    # along an edge: a thin band touching it, long across the box; turned so that the edge
    # is the top row
    if r0 == 0 and r1 <= deep_h:
        band = mask
    elif r1 == h and r0 >= h - deep_h:
        band = mask[::-1]
    elif k0 == 0 and k1 <= deep_w:
        band = mask.T
    elif k1 == w and k0 >= w - deep_w:
        band = mask.T[::-1]
    else:
        return False
    rows, cols = np.flatnonzero(band.any(1)), np.flatnonzero(band.any(0))
    if len(cols) < GRAZE_ALONG * len(rows) or len(cols) < 3:
        return False
    # a pen stroke's inner edge is straight; the part of a dot or tick drawn mostly outside
    # the box that reaches into it is curved or angled (a person would look: review)
    inner = np.array([np.flatnonzero(band[:, c])[-1] for c in cols], float)
    fit = np.polyval(np.polyfit(cols, inner, 1), cols)
    return float(np.std(inner - fit)) <= GRAZE_STRAIGHT_PX


def _ink(inner: np.ndarray, paper: float, pen: _PagePen) -> _Ink:
    t_ink = max(pen.noise, 0.4 * pen.pen)
    d = _darkness(inner, paper, t_ink)
    if d.size == 0:
        return _Ink(0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    any_mask = d > pen.noise
    ink = d[any_mask]
    level = float(np.percentile(ink, 85)) / pen.pen if ink.size >= 4 else 0.0
    clear = (~any_mask).astype(np.uint8)
    open_paper = float(cv2.erode(clear, _ERODE, iterations=1).mean())
    return _Ink(
        float((d > t_ink).mean()),
        float(any_mask.mean()),
        float((d > 0.5 * pen.pen).mean()),
        float(np.clip(d / pen.pen, 0, 1).mean()),
        level,
        open_paper,
        _grazes(any_mask),
        float(np.clip(np.median(inner) / paper, 0.0, 1.0)),
    )


_ERODE = np.ones((3, 3), np.uint8)


COVER_EMPTY = 0.02  # ink covering at most this share of the interior: empty
COVER_MARK = 0.06  # at least this (and clearly inked): a mark
COVER_HEAVY = 0.88  # ink over this share of the box, with no clear paper left: a fill
OPEN_PAPER = 0.02  # a mark leaves patches of paper; a fill (pale or not) leaves at most this
FILL_STRONG = 0.85  # a box filled solid (cancelled): nearly all of it dark ink
LEVEL_PEN = 0.75  # ink this dark relative to the page's own pen is that pen
LEVEL_MARK = 0.5  # lighter ink is a mark only when it covers COVER_CLEAR (not a light touch)
COVER_CLEAR = 0.2
SHADING_LEVEL = 0.25  # "ink" this light (a quarter of the pen's darkness) is shading
# a mark covering this much is a near-fill (hatching with a felt tip; ticks, crosses, dots and
# scribbles of an ordinary pen cover at most 0,68): a fill beside it may be one more answer
DENSE_MARK = 0.7


def classify_ink(k: _Ink) -> str:
    """'empty', 'marked', 'filled' (a cancelled box), 'pale' (covered all over by a pale or
    patchy fill: a correction only where the question shows which other box is meant) or
    'uncertain' from a box's ink."""
    if k.any_ink >= COVER_HEAVY and k.open_paper < OPEN_PAPER:
        # a box covered all over: a fill (correction) when dark throughout; a pale fill over a
        # mark, or a patchy one, is not a mark and not surely a cancellation: a person decides
        return "filled" if k.strong >= FILL_STRONG else "pale"
    if k.cover <= COVER_EMPTY and (k.any_ink <= 2 * COVER_MARK or k.level < SHADING_LEVEL):
        return "empty"  # nothing, or only shading far lighter than any pen (light falling off)
    if k.graze:
        return "empty"  # a slip of the pen crossing the box's edge, not a mark in it
    if k.cover >= COVER_MARK and (
        k.level >= LEVEL_PEN or (k.level >= LEVEL_MARK and k.cover >= COVER_CLEAR)
    ):
        # as dark as the page's own pen; or lighter (a second pen) but a full-sized mark
        return "marked"
    return "uncertain"


def classify(density: float, solid: float) -> str:
    """'empty', 'marked', 'filled' or 'uncertain' from fixed ink measures (density, solid)."""
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
    residual: tuple[float, float] = (0.0, 0.0)  # mean, max box misplacement after the fit (mm)
    misaligned: bool = False  # above the threshold: the page goes to review as a page
    unit: str = ""
    master: bool = False  # a page of a master form (no serial printed)
    cut_off: bool = False  # a corner of the page outside the image

    @property
    def page(self) -> np.ndarray:
        return cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)


def _read_one(scan: ScanPage, layout: FormLayout) -> _PageRead | UnreadablePage:
    grey = scan.image
    if grey.ndim == 3:
        grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY if grey.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    if grey.dtype != np.uint8:
        grey = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    bilevel = _is_bilevel(grey)
    if bilevel:  # a 1-bit scan: its dots are read as the grey they stand for
        grey = cv2.GaussianBlur(grey, (0, 0), 1.0)
    reg = _register(grey)
    if reg is None:
        if _is_blank(grey):
            return UnreadablePage(
                scan.source, "Trang trắng (không có nội dung) — đã bỏ qua.", "blank"
            )
        if photo.too_dark(grey):  # the markers were lost in the dark: say so, not "no form"
            return UnreadablePage(scan.source, photo.message("dark", scan.source), "poor_image")
        if photo.frame_blurred(grey):  # shaken or out of focus: the markers were lost in it
            return UnreadablePage(scan.source, photo.message("blurred", scan.source), "poor_image")
        return UnreadablePage(
            scan.source,
            "Không tìm thấy đủ 3 trong 4 ô định vị ở góc trang: đây không phải trang phiếu khảo "
            "sát, hoặc góc trang bị che, gấp hay quét thiếu. Hãy kiểm tra tờ giấy và quét lại "
            "cả trang.",
            "no_markers",
        )
    px_per_mm = float(np.sqrt(abs(np.linalg.det(reg.matrix[:2, :2]))) * PPM)
    if bilevel and px_per_mm * 25.4 < 185:
        return UnreadablePage(
            scan.source,
            f"Trang được quét đen trắng (1 bit) ở khoảng {px_per_mm * 25.4:.0f} dpi: quá thô "
            "để đọc chắc chắn các ô đánh dấu. Hãy quét lại trang ở 200 dpi trở lên, chế độ "
            "thang xám (grayscale) hoặc màu.",
            "low_resolution",
        )
    # a corner outside the photo (taken too close) is what to say when the page cannot be
    # read: its misfit would look blurred or misaligned
    cut_off = reg.cut_off(grey.shape)
    poor = _poor_photo(scan.source, reg.page)
    if poor is not None:
        if cut_off:
            return UnreadablePage(scan.source, photo.message("cut_off", scan.source), "poor_image")
        return poor
    text = _read_qr(reg.page)
    if text is None:
        # the registration (three markers under a keystone) can bend the code past reading:
        # look for it in the page as scanned, where it is whole
        text = _read_qr_anywhere(grey)
    if text is None and cut_off:
        return UnreadablePage(scan.source, photo.message("cut_off", scan.source), "poor_image")
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
    master = serial.startswith(MASTER) and bool(_UNIT_RE.match(serial[len(MASTER) :]))
    if master:
        unit = serial[len(MASTER) :]
        serial = ""
    else:
        unit = serial.rsplit("-", 1)[0]
    if (
        not (master or _SERIAL_RE.match(serial))
        or total != layout.page_count
        or not 1 <= num <= total
    ):
        return UnreadablePage(
            scan.source, f"Mã QR có số phiếu/trang không hợp lệ: «{text}».", "bad_page"
        )
    pl: PageLayout = layout.pages[num - 1]
    fit = _refine(grey, reg, pl.boxes)
    page = fit.page
    marks = []
    paper_map = _paper_map(page)
    patches = [_interior(page, b, paper_map) for b in pl.boxes]
    pen = _learn_pen([(inner, paper) for inner, paper, _ in patches])
    for b, (inner, paper, _) in zip(pl.boxes, patches, strict=True):
        k = _ink(inner, paper, pen)
        marks.append(
            BoxMark(
                b.variable,
                b.code,
                num,
                classify_ink(k),
                round(k.density, 4),
                round(k.cover, 4),
                round(k.tone, 4),
            )
        )
    ok, jpeg = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 90])
    residual = (round(fit.mean_mm, 2), round(fit.max_mm, 2))
    return _PageRead(
        scan.source,
        serial,
        num,
        jpeg.tobytes(),
        marks,
        residual,
        not fit.ok,
        unit,
        master,
        cut_off and not fit.ok,
    )


# -- assembling forms ------------------------------------------------------------------------


def read_pages(
    pages: Sequence[ScanPage | np.ndarray],
    layout: FormLayout,
    crops: bool = True,
    keep_pages: bool = False,
    issue_serial: Callable[[str], str | None] | None = None,
) -> ReadResult:
    """Read scanned pages (any order/orientation, several forms mixed) against a layout.

    crops: attach PNG crops to review items and write-in areas; keep_pages: attach each
    registered (straightened, 8 px/mm) page as JPEG to its form, for a review screen.

    Pages of master forms (no serial printed) are grouped into forms by page order within
    the upload (a page 1 starts a form of its unit) and get a serial from
    `issue_serial(unit)` (the web app records it); without one, a provisional `{unit}-Mnnn`.
    A serial whose page comes twice (a photocopied numbered form, or a sheet fed twice) is
    never merged: the second sheet becomes a form of its own, held for review as a possible
    copy (`copy_of`), with both images side by side; it gets a serial of its own the same way.
    """
    unreadable: list[UnreadablePage] = []
    sheets: dict[str, list[dict[int, _PageRead]]] = {}  # serial -> sets of pages (0: first)
    masters: list[tuple[str, dict[int, _PageRead]]] = []
    open_master: dict[str, dict[int, _PageRead]] = {}
    for k, p in enumerate(pages):
        scan = p if isinstance(p, ScanPage) else ScanPage(p, f"ảnh {k + 1}")
        r = _read_one(scan, layout)
        if isinstance(r, UnreadablePage):
            unreadable.append(r)
            continue
        if r.master:
            cur = open_master.get(r.unit)
            if cur is None or r.number == 1 or r.number in cur:
                cur = open_master[r.unit] = {}
                masters.append((r.unit, cur))
            cur[r.number] = r
            continue
        sets = sheets.setdefault(r.serial, [])
        for s_ in sets:
            if r.number not in s_:
                s_[r.number] = r
                break
        else:
            sets.append({r.number: r})
    counters: dict[str, int] = {}

    def new_serial(unit: str) -> str:
        if issue_serial is not None:
            for _ in range(100):  # never one of the serials printed on this upload's sheets
                got = issue_serial(unit)
                if not got or got not in sheets:
                    break
            if got and got not in sheets:
                return got
        counters[unit] = counters.get(unit, 0) + 1
        return f"{unit}-M{counters[unit]:03d}"

    forms: list[FormResult] = []
    kept: list[dict[int, _PageRead]] = []
    for serial, sets in sorted(sheets.items()):
        unit = serial.rsplit("-", 1)[0]
        forms.append(_assemble(serial, sets[0], [], layout, crops, unit))
        kept.append(sets[0])
        for copy in sets[1:]:
            f = _assemble(new_serial(unit), copy, [], layout, crops, unit)
            f.copy_of = serial
            f.review.insert(0, _copy_item(f.serial, serial, sets[0], copy, crops))
            forms.append(f)
            kept.append(copy)
    for unit, got in masters:
        f = _assemble(new_serial(unit), got, [], layout, crops, unit)
        f.master = True
        forms.append(f)
        kept.append(got)
    if keep_pages:
        for f, got in zip(forms, kept, strict=True):
            f.page_images = {n: pr.jpeg for n, pr in got.items()}
    return ReadResult(forms, unreadable)


def _copy_item(
    serial: str, original: str, first: dict[int, _PageRead], copy: dict[int, _PageRead], crops: bool
) -> ReviewItem:
    """A review item for a sheet that repeats another's serial: both images side by side."""
    n = min(set(first) & set(copy)) if set(first) & set(copy) else min(copy)
    png = None
    if crops:
        a = first[n].page if n in first else np.full_like(copy[n].page, 255)
        b = copy[n].page
        gap = np.full((a.shape[0], 16), 128, np.uint8)
        both = np.hstack([a, gap, b])
        png = _png(cv2.resize(both, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    where = copy[n].source
    return ReviewItem(
        serial,
        n,
        "possible_copy",
        f"Tờ «{where}» mang cùng số phiếu {original} với một tờ khác đã đọc (có thể là bản "
        f"photocopy, hoặc một tờ được quét hai lần): không gộp vào phiếu {original}; tờ này "
        f"được giữ riêng với số {serial}. Hãy so hai ảnh (bên trái: phiếu {original}, bên phải: "
        "tờ này) và quyết định giữ hay bỏ.",
        source=where,
        crop_png=png,
    )


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


# a form whose answers are filled boxes: at least this many questions answered by fills alone,
# and fill-only questions outnumber those answered by an ordinary mark this many times
FILL_STYLE_MIN_QUESTIONS = 4
FILL_STYLE_RATIO = 3


# a fill this dense is solid (a cancellation can be); hatching may be as dense
SOLID_FILL = 0.94
HATCHED = 0.9  # hatching with gaps stays below this
# A cancelled box on a form answered by fills is the answer's ink with a second layer over
# it, over all of the box: the light it leaves (tone) is a fraction of what a single layer
# leaves. In the bench, cancellations leave at most 0,59 of the light of the next darkest
# fill (most under 0,35); answers of one respondent, where the darker is solid, leave at
# least 0,6 of each other (mostly over 0,85). A solid fill leaving at most DOUBLE_LAYER of
# the light of every answer is the cancelled box; fills within SAME_LAYER of each other, or
# whose darkest is not solid (and none leaves DOUBLE_LAYER of the next), are all answers; in
# between a person decides.
DOUBLE_LAYER = 0.45
SAME_LAYER = 0.65


def _one_layer(fills: list[BoxMark]) -> bool:
    """Whether fills (darkest first) are all one layer of the respondent's ink: answers."""
    steps = [_step(fills, i) for i in range(len(fills) - 1)]
    if fills and fills[0].density < SOLID_FILL and all(s > DOUBLE_LAYER for s in steps):
        return True  # hatching not covering the box, none a second layer over another
    return all(s >= SAME_LAYER for s in steps)


def _step(fills: list[BoxMark], i: int) -> float:
    """How much of the light of the next fill the i-th fill leaves (1: as light, 0: black)."""
    return max(fills[i].tone, 0.005) / max(fills[i + 1].tone, 0.005)


def _one_layer_tone(layout: FormLayout, by_var: dict[str, list[BoxMark]]) -> float | None:
    """The light a single layer of this respondent's ink leaves in a box covered all over:
    the median tone of the solid fills that stand alone in a single choice (answers, on a
    form answered by fills). None when there are fewer than three to learn from."""
    tones = []
    for var, info in layout.questions.items():
        if info.kind != "one":
            continue
        inked = [m for m in by_var.get(var, []) if m.state != "empty"]
        if len(inked) == 1 and inked[0].state == "filled" and inked[0].density >= SOLID_FILL:
            tones.append(inked[0].tone)
    return float(np.median(tones)) if len(tones) >= 3 else None


def _read_fills_as_answers(ms: list[BoxMark], kind: str, one_layer: float | None) -> bool:
    """On a form whose respondent answers by filling boxes in: the question's fills (and pale
    fills) are its answers, except a solid fill clearly darker than the others (a second layer
    of ink over an answer: the cancelled box). What cannot be told apart goes to a person
    (states set in place: 'marked', 'filled' for a cancelled box, 'uncertain'). A fill beside
    an ordinary (not dense) mark, the respondent's lighter hatching, is the cancelled box when
    it is a second layer compared with the respondent's lone solid answers (`one_layer`); if
    not, or with nothing to compare, it is set 'uncertain' (a person decides). True when the
    question is decided."""
    if not any(m.state in ("filled", "pale") for m in ms):
        return False
    ordinary = [m for m in ms if m.state == "marked" and m.solid < DENSE_MARK]
    if ordinary:
        fills = [m for m in ms if m.state in ("filled", "pale", "marked") and m not in ordinary]
        double = [
            m
            for m in fills
            if one_layer is not None
            and m.density >= SOLID_FILL
            and m.tone <= DOUBLE_LAYER * one_layer
        ]
        if len(double) != len(fills) or any(m.state == "uncertain" for m in ms):
            # a fill no darker than this respondent's answers, beside a mark: one more
            # answer or the cancelled box? A person decides
            for m in fills:
                if m not in double:
                    m.state = "uncertain"
            return False
        for m in ms:
            if m.state != "empty":
                m.state = "filled" if m in double else "marked"
        return True
    if any(m.state == "uncertain" for m in ms):
        return False  # part of the question is in doubt: a person decides all of it
    # near-fills read as marks are this respondent's hatching too; darkest first
    fills = sorted((m for m in ms if m.state in ("filled", "pale", "marked")), key=lambda m: m.tone)
    steps = [_step(fills, i) for i in range(len(fills) - 1)]
    cut = int(np.argmin(steps)) + 1 if steps else 0  # the widest step in darkness
    if _one_layer(fills):
        answers, cancelled = fills, []
    elif (
        steps[cut - 1] <= DOUBLE_LAYER
        and all(m.density >= SOLID_FILL for m in fills[:cut])
        and _one_layer(fills[cut:])
    ):
        # the darkest are solid and leave a fraction of the light of the rest, which are one
        # layer: a second layer over an answer, the cancelled boxes
        answers, cancelled = fills[cut:], fills[:cut]
    elif (
        kind == "one"
        and len(fills) == 2
        and fills[0].density >= SOLID_FILL
        and fills[1].density < HATCHED
        and steps[0] < SAME_LAYER
    ):
        # one answer only: of a solid box and a clearly lighter hatched one, the solid one is
        # the cancelled (in a multi-select both can be answers)
        answers, cancelled = fills[1:], fills[:1]
    else:
        for m in fills:
            m.state = "uncertain"
        return False
    # a single choice left with two or more answers goes on as "multiple": a person decides
    for m in answers:
        m.state = "marked"
    for m in cancelled:
        m.state = "filled"
    return True


def _fills_are_answers(layout: FormLayout, by_var: dict[str, list[BoxMark]]) -> bool:
    """Whether this respondent marks answers by filling the box in, so that "filled solid"
    (elsewhere the sign of a cancelled box) is their mark. As a person reading the form would
    judge: many questions answered only by fills or near-fills, few by ticks or crosses (a
    fill beside a lighter mark is counted as neither: a cancellation, or lighter hatching).
    Any doubt leaves the usual reading (a fill alone goes to review)."""
    fill_only = light = 0
    for var, info in layout.questions.items():
        if info.kind == "write":
            continue
        ms = by_var.get(var, [])
        filled = [m for m in ms if m.state in ("filled", "pale")]
        marked = [m for m in ms if m.state == "marked"]
        light_marks = [m for m in marked if m.solid < DENSE_MARK]
        if filled and light_marks:
            continue  # a fill beside a mark: a cancellation, whoever marks how
        if filled or (marked and not light_marks):
            fill_only += 1
        elif light_marks:
            light += 1
    return fill_only >= FILL_STYLE_MIN_QUESTIONS and fill_only >= FILL_STYLE_RATIO * max(light, 1)


def _assemble(
    serial: str,
    got: dict[int, _PageRead],
    dups: list[_PageRead],
    layout: FormLayout,
    crops: bool,
    unit: str = "",
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
    bad_pages = {n for n, pr in got.items() if pr.misaligned}
    for n in sorted(bad_pages):
        mean, worst = got[n].residual
        review.append(
            ReviewItem(
                serial,
                n,
                "misaligned_page",
                f"Trang {n} của phiếu {serial}: ảnh lệch, cần quét lại (các ô lệch trung bình "
                f"{fmt_number(mean)} mm, nhiều nhất {fmt_number(worst)} mm so với vị trí in; "
                + (
                    "một góc trang nằm ngoài khung ảnh). "
                    if got[n].cut_off
                    else "tờ giấy có thể bị cong, gấp hoặc quét nghiêng). "
                )
                + "Không câu nào của trang này được đọc tự động: hãy quét hoặc chụp lại cả "
                "trang (đủ bốn ô vuông đen ở bốn góc), hoặc nhập tay các câu của trang.",
                source=got[n].source,
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
    fills_answer = _fills_are_answers(layout, by_var)
    one_layer = _one_layer_tone(layout, by_var) if fills_answer else None
    for var, info in layout.questions.items():
        if info.kind == "write":
            continue
        if info.page in missing or info.page in bad_pages:
            unknown.add(var)
            continue
        ms = by_var.get(var, [])
        decided = fills_answer and _read_fills_as_answers(ms, info.kind, one_layer)
        marked = [m.code for m in ms if m.state == "marked"]
        pale = [m.code for m in ms if m.state == "pale"]
        ordinary = [m for m in ms if m.state == "marked" and m.solid < DENSE_MARK]
        if pale and not (ordinary if info.kind == "multi" else len(marked) == 1):
            # a box covered all over by a pale or patchy fill is a correction (as the form
            # asks: "tô kín ô đã đánh dấu sai") where the question shows how this respondent
            # marks an answer: beside the one clear mark of a single choice, or beside ordinary
            # ticks or crosses of a multi-select. With nothing else marked, or a second mark
            # in a single choice, a person decides
            unsure_extra = pale
        else:
            unsure_extra = []
        unsure = [m.code for m in ms if m.state == "uncertain"] + unsure_extra
        filled = [
            m.code for m in ms if m.state == "filled" or (m.state == "pale" and not unsure_extra)
        ]
        marked_codes[var] = marked
        where = f"Câu {info.number}"
        dense = [m.code for m in ms if m.state == "marked" and m.solid >= DENSE_MARK]
        if filled and dense and not unsure and not decided:
            # the respondent's own marks are near-fills (hatching): a filled box beside them
            # may be one more answer, not a cancellation; a person decides
            unknown.add(var)
            review.append(
                item(
                    var,
                    "filled_or_mark",
                    f"{where}: ô {', '.join(map(str, filled))} bị tô kín, mà ô "
                    f"{', '.join(map(str, dense))} cũng được tô gần kín — tô kín là để hủy ô chọn "
                    "nhầm, hay cũng là đáp án? Hãy xem ảnh và chọn đáp án đúng.",
                    filled + marked,
                )
            )
            continue
        if filled and not marked and not unsure:
            # a box filled solid cancels a mark made elsewhere in the question; with no other
            # mark it may as well be an answer coloured in (or heavy hatching): a person decides
            unknown.add(var)
            review.append(
                item(
                    var,
                    "filled_only",
                    f"{where}: ô {', '.join(map(str, filled))} bị tô kín nhưng câu không có ô nào "
                    "khác được đánh dấu — tô kín là để hủy ô đã chọn nhầm, hay là đáp án? Hãy xem "
                    "ảnh và chọn đáp án đúng.",
                    filled,
                )
            )
            continue
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
    unit = unit or serial.rsplit("-", 1)[0]
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
