"""Quotations without people: a planted set of personal details, none may survive."""

import pytest

from khaosat.text.scrub import scrub_text
from tests.text.planted_personal import CLEAN, LEAKY


@pytest.mark.parametrize(("text", "secrets"), LEAKY, ids=[t[:30] for t, _ in LEAKY])
def test_planted_details_never_leak(text, secrets):
    out = scrub_text(text)
    for secret in secrets:
        assert secret not in out, (text, out)
    assert "[" in out


def test_the_whole_planted_set_has_zero_leaks():
    leaks = [(t, s) for t, secrets in LEAKY for s in secrets if s in scrub_text(t)]
    assert leaks == []


@pytest.mark.parametrize("text", CLEAN)
def test_answers_without_personal_details_are_left_as_written(text):
    assert scrub_text(text) == text


def test_the_commune_stays_it_is_the_unit_of_the_survey():
    assert scrub_text("Trụ sở xã Vũ Thư xa") == "Trụ sở xã Vũ Thư xa"


def test_tone_placement_is_normalised_before_scrubbing():
    # "Hoà" and "Hòa" are the same name: both are masked.
    assert "Ho" not in scrub_text("chị Hoà ở một cửa")
