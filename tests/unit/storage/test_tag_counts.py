"""Tag counts: references in the Trash do not count."""

from __future__ import annotations

import pytest

from refman.domain.query import ReferenceQuery
from refman.services.library import Library

pytestmark = pytest.mark.both_backends


def test_tag_counts_leave_the_trash_out(seeded: Library) -> None:
    ids = seeded.query_ids(ReferenceQuery())[:3]
    seeded.add_tags(["reading"], ids)
    seeded.add_tags(["binned"], ids[:1])
    seeded.trash(ids[:1])
    counts = {tag.name: tag.count for tag in seeded.tags()}
    assert counts == {"reading": 2, "binned": 0}
    seeded.restore(ids[:1])
    assert {tag.name: tag.count for tag in seeded.tags()} == {"reading": 3, "binned": 1}
