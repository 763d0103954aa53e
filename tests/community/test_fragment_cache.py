"""The fragment cache stays within its bounds: count, characters and age, oldest out first."""

from __future__ import annotations

from community.fragments import MAX_PIECE_CHARACTERS, FragmentCache


def test_pieces_leave_by_count_size_and_age_and_huge_ones_are_never_kept():
    cache = FragmentCache(size=3, max_age=60.0, max_characters=100)
    for number in range(5):
        cache.put(number, "x" * 10, now=0.0)
    assert [cache.get(number, now=1.0) for number in range(5)] == [None, None, "x" * 10] + [
        "x" * 10
    ] * 2
    cache.put("big", "y" * 90, now=1.0)  # past 100 characters: the oldest go first
    assert cache.characters <= 100 and cache.get("big", now=1.0) == "y" * 90
    cache.put("late", "z", now=100.0)  # everything older than a minute is dropped on the way
    assert cache.get("big", now=100.0) is None and cache.characters == 1
    cache.put("huge", "h" * (MAX_PIECE_CHARACTERS + 1), now=100.0)
    assert cache.get("huge", now=100.0) is None and cache.characters == 1
    cache.put("late", "zz", now=101.0)  # the same key again replaces, counted once
    assert cache.characters == 2
