"""Sorting a details job's conversations into hours, and the spool that holds them meanwhile."""

import pytest

from wrapup_assets.assets.details_job_export import conversation_hour_key, pages_by_hour
from wrapup_assets.lake.page_spool import HourPageSpool


@pytest.mark.parametrize(
    ("start", "key"),
    [
        ("2024-05-01T09:59:59.999Z", "2024-05-01-09:00"),
        ("2024-05-01T10:00:00.000Z", "2024-05-01-10:00"),
        ("2024-05-01T01:30:00+02:00", "2024-04-30-23:00"),  # an offset is honoured
        ("2024-05-01T09:15:00", "2024-05-01-09:00"),  # a bare time is read as UTC
        ("yesterday", None),
        (None, None),
    ],
)
def test_a_conversation_belongs_to_the_utc_hour_it_started_in(start, key) -> None:
    assert conversation_hour_key({"conversationId": "c", "conversationStart": start}) == key


def test_a_job_page_becomes_one_query_shaped_page_per_start_hour() -> None:
    page = {
        "conversations": [
            {"conversationId": "a", "conversationStart": "2024-05-01T09:10:00Z"},
            {"conversationId": "b", "conversationStart": "2024-05-01T10:05:00Z"},
            {"conversationId": "c", "conversationStart": "2024-05-01T09:50:00Z"},
            {"conversationId": "d"},
        ],
        "cursor": "next",
        "dataAvailabilityDate": "2024-05-03T07:00:00.000Z",
    }
    assert pages_by_hour(page) == {
        "2024-05-01-09:00": {"conversations": [page["conversations"][0], page["conversations"][2]], "totalHits": 2},
        "2024-05-01-10:00": {"conversations": [page["conversations"][1]], "totalHits": 1},
        None: {"conversations": [page["conversations"][3]], "totalHits": 1},
    }


def test_the_spool_gives_back_each_hours_pages_in_order_and_leaves_nothing_behind(tmp_path) -> None:
    with HourPageSpool(["h1", "h2", "h3"], directory=str(tmp_path)) as spool:
        spool.add("h2", b'{"n":1}')
        spool.add("h1", b'{"n":2}')
        spool.add("h2", b'{"n":3}')
        with pytest.raises(KeyError, match="hour h4 is not one of this spool's 3 hours"):
            spool.add("h4", b"{}")
        with pytest.raises(ValueError, match="contains a raw newline"):
            spool.add("h1", b"{\n}")
        spool.finish()
        assert [list(spool.iter_pages(key)) for key in spool.hour_keys] == [[b'{"n":2}'], [b'{"n":1}', b'{"n":3}'], []]
        assert [spool.page_count(key) for key in spool.hour_keys] == [1, 2, 0]
        with pytest.raises(RuntimeError, match="after finish"):
            spool.add("h1", b"{}")
    assert list(tmp_path.iterdir()) == []
