"""Is a photographed (or scanned) page good enough to read marks on? Measured after
registration, before anything is read.

A phone photo can be shaken or out of focus, taken in a dim room, or blown out by a lamp or
the sun. Each of these can turn a light mark into paper without anything looking wrong, so
such a page is refused with a message saying how to take it again. The measures are taken on
the straightened page, where the printed QR code is always black modules on white paper:

* sharpness: variance of the Laplacian over the QR code at 4 px/mm, divided by the square
  of the code's own contrast (so that light and paper colour do not count, only edges);
* paper: the brightest tenth of the page (90th percentile of grey);
* contrast: paper minus the QR code's black (5th percentile of the code);
* clipped: share of the page at full white (>= 250) — a photo blown out loses light ink;
  scanners whiten paper too, so over-exposure also needs the print's black to have gone grey.

The thresholds below come from `bench/photo_quality.py`, which prints the distribution of
each measure over sharp scans and photos and over blurred, dark and over-exposed photos,
with the marks read wrong or sent to review at each level.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from khaosat.paper.layout import PAGE_H, PAGE_W, QR_RECT

MEASURE_PPM = 4.0  # pixels per mm the measures are taken at
MARGIN_MM = 10.0  # page border left out (the photo may end there)

# refuse below / above these. Measured by bench/photo_quality.py (Anket, 2 forms = 8 pages per
# condition; smallest / 5th percentile over pages):
# - sharpness: 150 dpi scans >= 1,78; photos blurred sigma=2 px >= 0,88 and read right; sigma=2,5
#   0,56-0,67 and 7 of 8 pages lost to the QR code anyway; sigma=3 <= 0,58.
# - darkness: exposure x0,3 (paper 71, contrast 68) read right; x0,25 (61, 58) gave wrong boxes;
#   dark, shadowed scans keep paper >= 189.
# - glare: +80 grey levels (print's black 58, page clipped 0,86) read right; +120 (black 92)
#   gave 30 wrong boxes in 472. Scanners clip paper too (1-bit TIFF 0,82), but keep the black.
SHARP_MIN = 0.75
PAPER_MIN = 68.0
CONTRAST_MIN = 64.0
CLIPPED_MAX = 0.5
BLACK_MAX = 75.0  # with CLIPPED_MAX: the print's black gone grey on a blown-out page
FRAME_SHARP_MIN = 0.05  # a photo whose markers were not found, this soft: shaken, not "no form"


@dataclass(frozen=True)
class Quality:
    """Measures of one registered page (see the module's docstring)."""

    sharp: float
    paper: float
    black: float
    clipped: float

    @property
    def contrast(self) -> float:
        """Paper minus the print's black, in grey levels."""
        return self.paper - self.black


def measure(page: np.ndarray, ppm: float) -> Quality:
    """Quality of a registered grey page at `ppm` pixels per mm."""
    f = MEASURE_PPM / ppm
    small = cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    m = int(MARGIN_MM * MEASURE_PPM)
    body = small[m : int(PAGE_H * MEASURE_PPM) - m, m : int(PAGE_W * MEASURE_PPM) - m]
    x, y, w, h = (round(v * MEASURE_PPM) for v in QR_RECT)
    qr = small[y : y + h, x : x + w]
    if not qr.size or not body.size:
        return Quality(0.0, 0.0, 255.0, 0.0)
    paper = float(np.percentile(body, 90))
    black = float(np.percentile(qr, 5))
    white = float(np.percentile(qr, 95))
    lap = cv2.Laplacian(qr.astype(np.float32), cv2.CV_32F, ksize=3)
    sharp = float(lap.var()) / max(1.0, white - black) ** 2
    return Quality(round(sharp, 4), paper, black, float((body >= 250).mean()))


def too_dark(image: np.ndarray) -> bool:
    """A whole photo (not registered: its markers were not found) too dark to be a page."""
    small = cv2.resize(image, (210, 297), interpolation=cv2.INTER_AREA)
    return float(np.percentile(small, 90)) < PAPER_MIN


def frame_sharpness(image: np.ndarray) -> float:
    """Sharpness of a whole photo (not registered): variance of the Laplacian at about
    1.000 px on the long side, over the square of its contrast (1st to 99th percentile)."""
    f = 1000.0 / max(image.shape[:2])
    small = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    lo, hi = np.percentile(small, [1, 99])
    lap = cv2.Laplacian(small.astype(np.float32), cv2.CV_32F, ksize=3)
    return round(float(lap.var()) / max(1.0, float(hi - lo)) ** 2, 5)


def frame_blurred(image: np.ndarray) -> bool:
    """A whole photo whose markers were not found, too soft to find them in."""
    return frame_sharpness(image) < FRAME_SHARP_MIN


def problem(q: Quality) -> str:
    """'' if the page can be read, else which fault: 'dark', 'bright' or 'blurred'."""
    if q.paper < PAPER_MIN or q.contrast < CONTRAST_MIN:
        return "dark"
    if q.clipped > CLIPPED_MAX and q.black > BLACK_MAX:
        return "bright"
    if q.sharp < SHARP_MIN:
        return "blurred"
    return ""


_WHAT = {
    "dark": (
        "Ảnh quá tối",
        "chụp lại ở chỗ đủ ánh sáng (gần cửa sổ hoặc bật đèn), không để bóng tay hay điện "
        "thoại che trang",
    ),
    "bright": (
        "Ảnh bị chói (quá sáng, mất nét bút nhạt)",
        "chụp lại tránh nắng chiếu thẳng hoặc đèn rọi vào trang, tắt đèn flash",
    ),
    "cut_off": (
        "Ảnh thiếu một góc trang (góc nằm ngoài khung ảnh)",
        "chụp lại sao cho cả trang, đủ bốn ô vuông đen ở bốn góc, nằm trọn trong khung ảnh",
    ),
    "blurred": (
        "Ảnh bị mờ",
        "chụp lại, giữ máy yên, đủ ánh sáng; đặt phiếu phẳng trên bàn và chạm vào trang trên "
        "màn hình để lấy nét trước khi chụp",
    ),
}


def message(kind: str, source: str, where: str = "") -> str:
    """The refusal in plain Vietnamese: which photo (and form page), what is wrong, what to do."""
    what, todo = _WHAT[kind]
    at = f" ({where})" if where else ""
    return (
        f"{what}: «{source}»{at} không được đọc, vì các ô đánh dấu không đọc chắc chắn được. "
        f"Hãy {todo}, rồi tải ảnh mới lên."
    )
