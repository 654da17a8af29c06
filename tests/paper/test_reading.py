"""Reading scans: exact answers and serials, review instead of guesses, refusals with reasons."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khaosat.paper import synth
from khaosat.paper.errors import ScanError
from khaosat.paper.layout import compute_layout
from khaosat.paper.printing import COVER_PAGES, print_forms
from khaosat.paper.reading import ScanPage, load_scan_bytes, read_pages
from tests.paper.conftest import ANKET, mini_questionnaire

DPI = 200

KNOWN = {
    "12427-0001": {
        "a1": 1,
        "a4": 1,
        "c1": 1,
        "c2": [1, 3],
        "c7_1": 5,
        "c7_2": 9,
        "c7_3": 2,
        "d1": 4,
        "e3": [2, 5],
    },
    "12427-0002": {"a1": 2, "a4": 3, "c1": 2, "d1": 9},
    "12427-0003": {"a1": 2, "a4": 2, "c1": 1, "c2": [5], "c7_1": 1, "c7_2": 3, "c7_3": 4},
    "12427-0004": {"a4": 4, "c1": 1, "c2": [2], "c7_1": 3, "c7_2": 3, "c7_3": 3, "d1": 1},
}


def _fill(batch, layout, serial, answers, style, seed=0, overrides=None, correction=0.0):
    rng = np.random.default_rng(seed)
    f = synth.fill_form(
        batch["forms"][serial],
        layout,
        answers,
        DPI,
        rng,
        styles=(style,),
        correction_rate=correction,
        overrides=overrides,
    )
    return f.images


def _scan(img, rng, **kw):
    faults = synth.Faults(
        rotate=float(rng.uniform(-2.5, 2.5)), blur=0.6, noise=4, jpeg=80, dpi=DPI, **kw
    )
    return synth.scan(img, faults, rng)


def test_reads_exact_answers_and_serials_from_a_mixed_pile(mini_batch, mini_layout):
    rng = np.random.default_rng(7)
    styles = dict(zip(KNOWN, ("tick", "cross", "dot", "scribble"), strict=True))
    pages = []
    for k, (serial, answers) in enumerate(KNOWN.items()):
        imgs = _fill(
            mini_batch, mini_layout, serial, answers, styles[serial], seed=k, correction=0.5
        )
        for n, img in enumerate(imgs):
            upside = k == 1 and n == 0
            covered = 2 if (k == 2 and n == 0) else None
            scanned = _scan(img, rng, upside_down=upside, cover_marker=covered)
            if k == 3 and n == 1:  # fed sideways
                scanned = cv2.rotate(scanned, cv2.ROTATE_90_CLOCKWISE)
            pages.append(ScanPage(scanned, f"{serial}/{n + 1}"))
    # a form of another unit in the same pile
    buf = io.BytesIO()
    print_forms(mini_layout, "T01", 1, buf, start=12)
    other = synth.render_pdf(buf.getvalue(), DPI, [COVER_PAGES, COVER_PAGES + 1])
    t01 = {"a1": 1, "a4": 3, "c1": 2, "d1": 2}
    filled = synth.fill_form(other, mini_layout, t01, DPI, rng, styles=("cross",))
    pages += [ScanPage(_scan(img, rng), f"T01/{n + 1}") for n, img in enumerate(filled.images)]
    order = rng.permutation(len(pages))
    result = read_pages([pages[i] for i in order], mini_layout)
    assert result.unreadable == []
    assert {f.serial: f.answers for f in result.forms} == KNOWN | {"T01-0012": t01}
    assert all(f.review == [] and f.complete for f in result.forms)
    assert {f.unit for f in result.forms} == {"12427", "T01"}


def test_a_cancelled_box_is_not_an_answer(mini_batch, mini_layout):
    answers = {"a1": 2, "a4": 3, "c1": 2, "d1": 5}
    imgs = _fill(
        mini_batch,
        mini_layout,
        "12427-0002",
        answers,
        "cross",
        overrides={("a1", 1): "solid", ("d1", 4): "solid"},
    )
    [form] = read_pages([ScanPage(i, "p") for i in imgs], mini_layout).forms
    assert form.answers == answers and form.review == []
    states = {(m.variable, m.code): m.state for m in form.marks}
    assert states[("a1", 1)] == "filled" and states[("d1", 4)] == "filled"


def test_an_uncertain_mark_goes_to_review_never_guessed(mini_batch, mini_layout):
    answers = {"a4": 2, "c1": 2, "d1": 3}
    imgs = _fill(
        mini_batch, mini_layout, "12427-0002", answers, "tick", overrides={("a1", 2): "faint"}
    )
    [form] = read_pages([ScanPage(i, "p") for i in imgs], mini_layout).forms
    assert "a1" not in form.answers
    assert form.answers == answers
    [item] = form.review
    assert item.kind == "uncertain" and item.variable == "a1" and item.codes == [2]
    assert "Câu A1" in item.message and item.page == 1
    assert item.crop_png and cv2.imdecode(np.frombuffer(item.crop_png, np.uint8), 0).size > 0
    x, y, w, h = item.rect_mm
    box = next(b for _, b in mini_layout.boxes_of("a1"))
    assert x <= box.x and y <= box.y and x + w >= box.x + box.w and y + h >= box.y + box.h


def test_two_marks_in_a_single_choice_are_flagged(mini_batch, mini_layout):
    answers = {"a1": 1, "a4": 2, "c1": 2, "d1": 3}
    imgs = _fill(
        mini_batch, mini_layout, "12427-0001", answers, "cross", overrides={("d1", 5): "cross"}
    )
    [form] = read_pages([ScanPage(i, "p") for i in imgs], mini_layout).forms
    assert "d1" not in form.answers
    [item] = form.review
    assert item.kind == "multiple" and item.codes == [3, 5]


def test_marks_excluded_by_skip_logic_or_over_the_limit_are_flagged(mini_batch, mini_layout):
    # C1 = 2 skips to D1, yet C2 is marked; A4 = 2 excludes E3; E3 allows at most 2
    answers = {"a1": 1, "a4": 2, "c1": 2, "c2": [1], "d1": 4, "e3": [1]}
    imgs = _fill(mini_batch, mini_layout, "12427-0003", answers, "tick")
    [form] = read_pages([ScanPage(i, "p") for i in imgs], mini_layout).forms
    assert form.answers == {"a1": 1, "a4": 2, "c1": 2, "d1": 4}
    assert sorted((r.kind, r.variable) for r in form.review) == [("skip", "c2"), ("skip", "e3")]
    answers = {"a1": 1, "a4": 1, "c1": 2, "d1": 4, "e3": [1, 2, 4]}
    imgs = _fill(mini_batch, mini_layout, "12427-0003", answers, "tick")
    [form] = read_pages([ScanPage(i, "p") for i in imgs], mini_layout).forms
    assert [(r.kind, r.variable) for r in form.review] == [("too_many", "e3")]
    assert "e3" not in form.answers


def test_missing_page_is_reported_and_answers_elsewhere_kept(mini_batch, mini_layout):
    answers = {"a1": 1, "a4": 2, "c1": 2, "d1": 4}
    imgs = _fill(mini_batch, mini_layout, "12427-0001", answers, "tick")
    [form] = read_pages([ScanPage(imgs[0], "p1")], mini_layout, keep_pages=True).forms
    assert form.missing_pages == [2] and not form.complete and form.needs_review
    meta = form.metadata()
    assert [p["page"] for p in meta["pages"]] == [1] and len(meta["pages"][0]["sha256"]) == 64
    page = cv2.imdecode(np.frombuffer(form.page_images[1], np.uint8), cv2.IMREAD_GRAYSCALE)
    assert page.shape == (297 * 8, 210 * 8)
    assert form.answers == answers
    assert [r.kind for r in form.review] == ["missing_page"]


def test_refuses_other_version_blank_and_foreign_pages(mini_batch, mini_layout):
    other = compute_layout(mini_questionnaire("2025.9"))
    buf = io.BytesIO()
    print_forms(other, "12427", 1, buf)
    other_page = synth.render_pdf(buf.getvalue(), DPI, [COVER_PAGES])[0]
    blank = np.full_like(other_page, 250)
    foreign = blank.copy()
    for k in range(40):
        cv2.putText(
            foreign,
            "Cong van so 123/UBND ve viec to chuc hop",
            (150, 200 + 50 * k),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.2,
            20,
            2,
        )
    smudged = mini_batch["forms"]["12427-0004"][0].copy()
    ppm = DPI / 25.4
    cv2.rectangle(smudged, (int(170 * ppm), int(9 * ppm)), (int(183 * ppm), int(21 * ppm)), 90, -1)
    pages = [
        ScanPage(other_page, "khác"),
        ScanPage(blank, "trắng"),
        ScanPage(foreign, "công văn"),
        ScanPage(smudged, "mờ QR"),
        ScanPage(mini_batch["images"][0], "bìa"),
    ]
    result = read_pages(pages, mini_layout)
    assert result.forms == []
    kinds = {u.source: u.kind for u in result.unreadable}
    assert kinds == {
        "khác": "other_version",
        "trắng": "blank",
        "công văn": "no_markers",
        "mờ QR": "no_qr",
        "bìa": "cover",
    }
    reasons = {u.source: u.reason for u in result.unreadable}
    assert "2025.9" in reasons["khác"] and "2026.1" in reasons["khác"]
    assert "QR" in reasons["mờ QR"] and "phỏng đoán" in reasons["mờ QR"]


def test_truncated_pdf_is_refused_whole(mini_batch):
    data = mini_batch["pdf"]
    with pytest.raises(ScanError, match="cắt cụt"):
        load_scan_bytes(data[: len(data) // 2], "lo1.pdf")
    with pytest.raises(ScanError, match="lo2.png"):
        load_scan_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "lo2.png")
    assert len(load_scan_bytes(data, "lo3.pdf", dpi=72)) == COVER_PAGES + 4 * 2


def test_reads_png_tiff_and_colour_images(mini_batch, mini_layout):
    answers = {"a1": 2, "a4": 1, "c1": 2, "d1": 5, "e3": [3]}
    imgs = _fill(mini_batch, mini_layout, "12427-0004", answers, "dot")
    colour = cv2.cvtColor(imgs[0], cv2.COLOR_GRAY2BGR)
    colour[:, :, 0] = np.clip(colour[:, :, 0].astype(int) + 10, 0, 255)
    ok, png = cv2.imencode(".png", colour)
    from PIL import Image

    tif = io.BytesIO()
    Image.fromarray(imgs[1]).save(tif, format="TIFF")
    pages = load_scan_bytes(png.tobytes(), "a.png") + load_scan_bytes(tif.getvalue(), "b.tif")
    [form] = read_pages(pages, mini_layout).forms
    assert form.answers == answers and form.serial == "12427-0004"


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 10_000), style=st.sampled_from(synth.PEN_STYLES))
def test_any_valid_answers_read_back_exactly_or_go_to_review(mini_batch, mini_layout, seed, style):
    rng = np.random.default_rng(seed)
    answers = synth.random_answers(mini_layout, rng)
    imgs = _fill(mini_batch, mini_layout, "12427-0003", answers, style, seed=seed)
    pages = [ScanPage(_scan(i, rng, upside_down=bool(seed % 2)), "p") for i in imgs]
    [form] = read_pages(pages, mini_layout).forms
    doubtful = {r.variable for r in form.review}
    assert {k: v for k, v in answers.items() if k not in doubtful} == form.answers
    assert all(r.kind == "uncertain" for r in form.review)
    assert len(form.review) <= 1


@pytest.mark.skipif(not ANKET.exists(), reason="surveys/hung-yen-2026/anket.xlsx not written yet")
def test_anket_forms_read_back_with_simulated_answers():
    from khaosat.questionnaire.xlsform import read_xlsform

    q = read_xlsform(ANKET)
    lay = compute_layout(q)
    buf = io.BytesIO()
    res = print_forms(lay, "T02", 2, buf)
    clean = synth.render_pdf(buf.getvalue(), DPI)
    truth = synth.answer_sets(lay, 2, seed=3, questionnaire=q)
    assert any(len(t) > 20 for t in truth)
    rng = np.random.default_rng(3)
    pages = []
    for k, serial in enumerate(res.serials):
        imgs = clean[COVER_PAGES + k * 4 : COVER_PAGES + (k + 1) * 4]
        filled = synth.fill_form(imgs, lay, truth[k], DPI, rng, styles=("cross", "tick")[k : k + 1])
        for n, img in enumerate(filled.images):
            pages.append(ScanPage(_scan(img, rng, upside_down=(k, n) == (1, 2)), f"{serial}/{n}"))
    result = read_pages(pages[::-1], lay)
    assert result.unreadable == []
    for form, answers in zip(result.forms, truth, strict=True):
        doubtful = {r.variable for r in form.review}
        assert {k: v for k, v in answers.items() if k not in doubtful} == form.answers
        assert all(r.kind == "uncertain" for r in form.review)
        assert {w.variable for w in form.writeins} == {"g1", "g2", "g3"}


def test_a_page_scanned_twice_is_held_as_a_possible_copy_never_merged(mini_batch, mini_layout):
    answers = {"a1": 2, "a4": 3, "c1": 2, "d1": 5}
    imgs = _fill(mini_batch, mini_layout, "12427-0002", answers, "cross")
    pages = [ScanPage(imgs[0], "a"), ScanPage(imgs[1], "b"), ScanPage(imgs[0].copy(), "c")]
    first, second = read_pages(pages, mini_layout).forms
    assert first.serial == "12427-0002" and first.answers == answers and first.review == []
    assert second.copy_of == "12427-0002" and second.serial != "12427-0002"
    item = second.review[0]
    assert item.kind == "possible_copy" and "«c»" in item.message and item.crop_png
