"""Business hours: promises fall due at real moments, in the department's own time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from support.calendar import BusinessCalendar

NINE_TO_SIX = {str(day): [[9 * 60, 18 * 60]] for day in range(5)}


def shanghai(year, month, day, hour, minute=0):  # type: ignore[no-untyped-def]
    """A Shanghai wall-clock time as UTC (Shanghai is UTC+8, no daylight saving)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_four_business_hours_on_a_friday_afternoon_fall_due_on_monday():
    """Asked at 16:00 on Friday, 4 business hours later is 11:00 on Monday."""
    calendar = BusinessCalendar.build("Asia/Shanghai", NINE_TO_SIX)
    friday = shanghai(2026, 12, 4, 16)
    assert calendar.add(friday, 4 * 60) == shanghai(2026, 12, 7, 11)


def test_a_request_at_night_starts_counting_when_the_desk_opens():
    """Asked at 23:00, one business hour later is 10:00 the next morning."""
    calendar = BusinessCalendar.build("Asia/Shanghai", NINE_TO_SIX)
    assert calendar.add(shanghai(2026, 12, 8, 23), 60) == shanghai(2026, 12, 9, 10)


def test_holidays_are_skipped():
    """New Year's Day is closed: the promise moves to the next open day."""
    calendar = BusinessCalendar.build("Asia/Shanghai", NINE_TO_SIX, {date(2027, 1, 1)})
    new_years_eve = shanghai(2026, 12, 31, 17)
    # One hour on the 31st (17:00-18:00), the 1st is a holiday, then Monday the 4th.
    assert calendar.add(new_years_eve, 2 * 60) == shanghai(2027, 1, 4, 10)


def test_daylight_saving_keeps_local_opening_hours():
    """In London, 09:00 opens at 09:00 local time on both sides of the clock change."""
    calendar = BusinessCalendar.build("Europe/London", NINE_TO_SIX)
    friday_winter = datetime(2027, 3, 26, 17, 0, tzinfo=UTC)  # 17:00 GMT
    # One hour left on Friday, then Monday 29 March opens at 09:00 BST = 08:00 UTC.
    assert calendar.add(friday_winter, 2 * 60) == datetime(2027, 3, 29, 9, 0, tzinfo=UTC)


def test_minutes_between_counts_only_open_time():
    """From Friday 17:00 to Monday 10:00 the clock ran for two hours."""
    calendar = BusinessCalendar.build("Asia/Shanghai", NINE_TO_SIX)
    assert calendar.minutes_between(shanghai(2026, 12, 4, 17), shanghai(2026, 12, 7, 10)) == 120
    assert calendar.minutes_between(shanghai(2026, 12, 7, 10), shanghai(2026, 12, 4, 17)) == 0


def test_adding_then_measuring_gives_the_same_minutes():
    """For any start, the open minutes up to `add(start, n)` are n."""
    calendar = BusinessCalendar.build("Asia/Shanghai", NINE_TO_SIX, {date(2026, 12, 25)})
    start = shanghai(2026, 12, 1, 7, 13)
    for minutes in (1, 59, 60, 61, 539, 540, 541, 2000, 5000):
        for hours in range(0, 72, 7):
            moment = start + timedelta(hours=hours)
            due = calendar.add(moment, minutes)
            assert calendar.minutes_between(moment, due) == minutes


def test_no_hours_means_always_open():
    """A department without hours counts plain minutes."""
    calendar = BusinessCalendar.build("UTC", {})
    start = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert calendar.add(start, 90) == start + timedelta(minutes=90)
    assert calendar.is_open(start)


def test_bad_hours_and_zones_are_ignored_not_fatal():
    """Spans out of range, unknown weekdays and an unknown zone fall back safely."""
    calendar = BusinessCalendar.build("Mars/Olympus", {"9": [[0, 10]], "0": [[600, 500]]})
    assert calendar.always_open
    assert str(calendar.zone) == "UTC"
