"""Tests for exsitu.selfcheck: digests that tell a right answer from a wrong one without showing it."""

from __future__ import annotations

import numpy as np
import pytest

from exsitu.selfcheck import check_answer, digest, feedback, normalise


@pytest.mark.parametrize("a, b", [
    ({"C", "F"}, {"F", "C"}),
    ({"C", "F"}, frozenset({"c", " F "})),
    ("EW", " ew "),
    (418, 418.0),
    (418, np.int64(418)),
    (0.72222222, 0.7222),
    (True, np.bool_(True)),
    ({"a": "insurance", "b": "research"}, {"b": "Research", "a": "insurance"}),
    (("C", "G"), ["C", "G"]),
])
def test_equivalent_answers_have_the_same_digest(a, b):
    assert digest(a) == digest(b)


@pytest.mark.parametrize("a, b", [
    ({"C", "F"}, {"C"}),
    ({"C", "F"}, {"C", "F", "A"}),
    ("EW", "CR"),
    (418, 417),
    (0.7222, 0.7223),
    (True, False),
    (1, True),
    (("C", "G"), ("G", "C")),
    ({"a": "insurance"}, {"a": "research"}),
    ({"C"}, ["C"]),
    (None, "None"),
])
def test_different_answers_have_different_digests(a, b):
    assert digest(a) != digest(b)


def test_check_answer_prints_a_tick_only_when_right(capsys):
    right = digest({"C", "F"})
    assert check_answer("to_cr", {"F", "C"}, right)
    assert capsys.readouterr().out.startswith("✓ to_cr is right")
    assert not check_answer("to_cr", {"C"}, right)
    assert capsys.readouterr().out == ""
    assert not check_answer("to_cr", object(), right)  # odd input: a plain failure, no exception


def test_feedback_shows_what_was_given_not_the_answer():
    message = feedback("to_cr", {"F", "A"}, "the letters of the findings that make the species CR")
    assert message == ("✗ to_cr: you gave {'A', 'F'}; expected the letters of the findings that make the species "
                       "CR")
    assert len(feedback("x", "y" * 1000, "z")) < 400


def test_normalise_is_plain_json():
    assert normalise({"b": {1, 2}, "a": (1.23456, float("nan"))}) == {
        "dict": [["a", [1.2346, "nan"]], ["b", {"set": [1, 2]}]]}
