import math

import pytest

from exsitu.validation import InvalidInputError, require_choice, require_number, require_text


def test_require_number_accepts_numbers_and_numeric_text():
    assert require_number(3, "x") == 3.0
    assert require_number("2.5", "x") == 2.5


@pytest.mark.parametrize("bad", [None, "abc", True, math.nan, math.inf])
def test_require_number_rejects_non_numbers_naming_the_field(bad):
    with pytest.raises(InvalidInputError, match="^years: "):
        require_number(bad, "years")


def test_require_number_bounds_name_the_limit():
    with pytest.raises(InvalidInputError, match="at least 1"):
        require_number(0, "likelihood", minimum=1, maximum=5)
    with pytest.raises(InvalidInputError, match="at most 5"):
        require_number(6, "likelihood", minimum=1, maximum=5)
    with pytest.raises(InvalidInputError, match="more than 0"):
        require_number(0, "generation_time", minimum=0, inclusive_minimum=False)
    with pytest.raises(InvalidInputError, match="whole number"):
        require_number(2.5, "founders", integer=True)


def test_invalid_input_error_is_a_value_error_with_field():
    error = InvalidInputError("sex", "must be M, F or U", "fix row 3")
    assert isinstance(error, ValueError)
    assert error.field == "sex" and "fix row 3" in str(error)


def test_require_choice_and_text():
    assert require_choice("CR", "category", ["CR", "EN"]) == "CR"
    with pytest.raises(InvalidInputError, match="category"):
        require_choice("XX", "category", ["CR", "EN"])
    assert require_text("  Insurance ", "name") == "Insurance"
    with pytest.raises(InvalidInputError, match="name"):
        require_text("   ", "name")


def test_require_texts_names_the_bad_item():
    from exsitu.validation import require_texts

    assert require_texts(None, "dissent") == ()
    assert require_texts(" one ", "dissent") == ("one",)
    assert require_texts(["a", "b"], "dissent") == ("a", "b")
    with pytest.raises(InvalidInputError, match=r"^dissent\[1\]"):
        require_texts(["a", " "], "dissent")
    with pytest.raises(InvalidInputError, match="^dissent: expected a list"):
        require_texts(5, "dissent")


def test_slug_and_field_prefix():
    from exsitu.validation import field_prefix, slug

    assert slug("Insurance population (living)") == "insurance_population_living"
    with pytest.raises(InvalidInputError, match=r"^risks\[2\]\.likelihood: "):
        with field_prefix("risks[2]"):
            require_number(9, "likelihood", maximum=5)
