"""Phone photos of paper forms (issue #14): read like scans when sharp and well lit; refused
before reading, naming the photo and the form's page, when blurred, too dark or washed out by
glare; HEIC photos decoded by the optional extra `heic`, or refused in plain words without it."""

from __future__ import annotations

import io
import runpy
from pathlib import Path

import cv2
import numpy as np
import pytest

from khaosat.paper import photo, reading, synth
from khaosat.paper.errors import ScanError
from khaosat.paper.reading import ScanPage, load_scan_bytes, read_pages
from tests.paper.test_real_world import ANSWERS, _filled

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "paper"


def _photos(images, seed=0, **kw):
    rng = np.random.default_rng(seed)
    opts = {"tilt": 15.0, "light": 0.5, "megapixels": 6.0, **kw}
    return [
        ScanPage(synth.phone_photo(img, synth.Photo(**opts), rng), f"IMG_{n + 1}.jpg")
        for n, img in enumerate(images)
    ]


@pytest.fixture(scope="module")
def filled(mini_batch, mini_layout):
    return _filled(mini_batch, mini_layout, ANSWERS, style="tick", seed=3)


@pytest.mark.parametrize("seed,tilt", [(0, 5.0), (1, 18.0)])
def test_sharp_photos_with_perspective_and_uneven_light_are_read(filled, mini_layout, seed, tilt):
    pages = _photos(filled, seed=seed, tilt=tilt, light=0.7)
    result = read_pages(pages, mini_layout)
    assert result.unreadable == []
    [form] = result.forms
    assert form.answers == ANSWERS
    assert form.review == []


@pytest.mark.parametrize(
    "fault,words",
    [
        ({"blur": 4.0}, "Ảnh bị mờ"),
        ({"blur": 8.0}, "Ảnh bị mờ"),  # so soft that the corner markers are lost
        ({"dark": 0.15}, "Ảnh quá tối"),
        ({"glare": 160.0}, "Ảnh bị chói"),
    ],
)
def test_a_blurred_dark_or_glared_photo_is_refused_naming_photo_and_page(
    filled, mini_layout, fault, words
):
    pages = _photos(filled[:1], seed=2, **fault)
    result = read_pages(pages, mini_layout)
    assert result.forms == []
    [refused] = result.unreadable
    assert refused.kind == "poor_image"
    assert refused.reason.startswith(words)
    assert "«IMG_1.jpg»" in refused.reason  # which photo
    assert "chụp lại" in refused.reason  # what to do
    if "mờ" in words:
        assert "giữ máy yên, đủ ánh sáng" in refused.reason


def test_the_refusal_names_the_form_page_when_its_code_still_reads(filled, mini_layout):
    pages = _photos(filled[1:2], seed=4, dark=0.22)
    [refused] = read_pages(pages, mini_layout).unreadable
    assert refused.kind == "poor_image"
    assert "trang 2 của phiếu 12427-0001" in refused.reason


def test_refused_before_any_mark_is_read(filled, mini_layout, monkeypatch):
    """The check comes before the marks (and before the QR code decides the page)."""
    measured = []
    monkeypatch.setattr(reading, "_learn_pen", lambda *a: pytest.fail("marks were read"))
    real = photo.measure
    monkeypatch.setattr(photo, "measure", lambda *a: measured.append(1) or real(*a))
    [refused] = read_pages(_photos(filled[:1], seed=2, blur=4.0), mini_layout).unreadable
    assert refused.kind == "poor_image" and measured


def test_thresholds_pass_every_mild_scan_fault(filled, mini_layout):
    """Scanners whiten paper (clipped) and soften 150 dpi scans: neither is a bad photo."""
    rng = np.random.default_rng(7)
    for faults in (
        synth.Faults(dpi=200, blur=1.0, noise=6, jpeg=60),
        synth.Faults(dpi=200, shadow=0.8, show_through=0.6, contrast=0.6),
        synth.Faults(dpi=200, bilevel="threshold"),
    ):
        pages = [ScanPage(synth.scan(img, faults, rng), "quét") for img in filled]
        result = read_pages(pages, mini_layout)
        assert [u.kind for u in result.unreadable] == []
        assert result.forms[0].answers == ANSWERS


def test_quality_measures_order_the_faults(filled):
    """The measures move the right way: blur lowers sharpness, darkness the paper level,
    glare raises the print's black."""
    base = synth.Photo(tilt=0.0, light=0.0, hand_shadow=False, megapixels=6.0)

    def q(**kw):
        rng = np.random.default_rng(1)
        img = synth.phone_photo(filled[0], synth.Photo(**{**base.__dict__, **kw}), rng)
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        reg = reading._register(grey)
        return photo.measure(reg.page, reading.PPM)

    sharp, blurred = q(), q(blur=4.0)
    assert blurred.sharp < sharp.sharp / 4
    assert q(dark=0.3).paper < sharp.paper * 0.5
    assert q(glare=120.0).black > sharp.black + 60


def test_a_photo_too_dark_to_find_the_markers_says_so(filled, mini_layout):
    pages = _photos(filled[:1], seed=2, dark=0.06)
    [refused] = read_pages(pages, mini_layout).unreadable
    assert refused.kind == "poor_image" and refused.reason.startswith("Ảnh quá tối")


# -- HEIC -------------------------------------------------------------------------------------


def test_heic_is_recognised_by_its_header():
    data = (FIXTURES / "pattern.heic").read_bytes()
    assert reading.is_heic(data)
    assert not reading.is_heic(cv2.imencode(".jpg", np.zeros((8, 8), np.uint8))[1].tobytes())


def test_heic_without_the_extra_is_refused_in_plain_words(monkeypatch):
    monkeypatch.setattr(reading, "_HEIF", None)
    monkeypatch.setattr(reading, "HEIF_MODULES", ("khaosat_no_such_heif_module",))
    with pytest.raises(ScanError) as err:
        load_scan_bytes((FIXTURES / "pattern.heic").read_bytes(), "IMG_0042.HEIC")
    msg = err.value.message
    assert msg.startswith("Ảnh HEIC «IMG_0042.HEIC»")
    assert "hãy đổi sang jpeg hoặc cài gói heic" in msg.lower()


def test_heic_is_decoded_with_the_extra(monkeypatch):
    pytest.importorskip("pi_heif", reason="the optional extra heic (pi-heif) is not installed")
    monkeypatch.setattr(reading, "_HEIF", None)
    [page] = load_scan_bytes((FIXTURES / "pattern.heic").read_bytes(), "IMG_0042.HEIC")
    assert page.image.shape == (64, 96)
    spec = runpy.run_path(str(FIXTURES / "make_heic.py"))["pattern"]()
    assert float(np.abs(page.image.astype(int) - spec.astype(int)).mean()) < 6.0


def test_decoded_photos_come_upright_from_their_exif_orientation(filled, mini_layout):
    from PIL import Image

    img = Image.fromarray(filled[0]).resize((filled[0].shape[1] // 2, filled[0].shape[0] // 2))
    turned = img.transpose(Image.Transpose.ROTATE_90)  # the sensor's way round
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90° clockwise to view
    buf = io.BytesIO()
    turned.save(buf, "JPEG", exif=exif, quality=90)
    [page] = load_scan_bytes(buf.getvalue(), "IMG_9.jpg")
    assert page.image.shape == (img.height, img.width)
