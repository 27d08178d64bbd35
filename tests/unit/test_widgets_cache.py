"""Tests for exsitu.widgets._cache.ResultCache (the widgets' store of results and figures by their inputs)."""

from __future__ import annotations

import pytest

from exsitu.validation import InvalidInputError
from exsitu.widgets._cache import ResultCache


def test_stores_by_key_and_computes_only_what_is_new():
    cache = ResultCache(size=3)
    computed = []

    def make(value):
        def compute():
            computed.append(value)
            return value * 10
        return compute

    assert cache.get("a", make(1)) == 10 and cache.get("a", make(99)) == 10
    assert cache.get(("b", 2), make(2)) == 20
    assert computed == [1, 2] and (cache.hits, cache.misses) == (1, 2)
    assert "a" in cache and len(cache) == 2


def test_keeps_the_most_recently_used_entries():
    cache = ResultCache(size=2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)          # "a" used again: "b" is now the oldest
    cache.get("c", lambda: 3)
    assert "a" in cache and "c" in cache and "b" not in cache
    cache.clear()
    assert len(cache) == 0 and cache.get("a", lambda: 5) == 5


def test_errors_are_not_stored():
    cache = ResultCache()

    def fail():
        raise InvalidInputError("x", "is wrong", "fix it")

    with pytest.raises(InvalidInputError):
        cache.get("k", fail)
    assert "k" not in cache and cache.get("k", lambda: 7) == 7
