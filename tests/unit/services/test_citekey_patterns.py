"""Citation keys from patterns, regenerated on request, unique and otherwise stable."""

from __future__ import annotations

import pytest

from refman.domain import Person, Reference
from refman.domain.query import ReferenceQuery
from refman.services.citekeys import DEFAULT_PATTERN, check_pattern, pattern_key
from refman.services.errors import UserError
from refman.services.library import Library

METAFORMER = Reference(
    title="MetaFormer is Actually What You Need for Vision",
    year=2022,
    authors=[Person("Yu", "Weihao"), Person("Luo", "Mi"), Person("Zhou", "Pan")],
)


@pytest.mark.parametrize(
    ("pattern", "key"),
    [
        (DEFAULT_PATTERN, "yu2022metaformer"),
        ("{Author}{year}{Title}", "Yu2022Metaformer"),
        ("{authors}:{year}", "yuluoetal:2022"),
        ("{author}_{shorttitle}", "yu_metaformeractuallyyou"),
    ],
)
def test_patterns(pattern: str, key: str) -> None:
    assert pattern_key(METAFORMER, pattern) == key


def test_keys_are_ascii_and_anon_without_authors() -> None:
    ref = Reference(title="Über die Größe", year=1905, authors=[Person("Schrödinger", "Ø")])
    assert pattern_key(ref) == "schrodinger1905uber"
    assert pattern_key(Reference(title="The Art of Things")) == "anonart"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [("{author}{yeer}", "unknown field {yeer}"), ("plain", "uses no field"), ("{year} x", "use")],
)
def test_bad_patterns_are_refused_with_the_reason(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_pattern(pattern)


def test_regenerating_gives_unique_suffixed_keys_and_leaves_the_rest_alone(
    seeded: Library,
) -> None:
    ids = seeded.query_ids(ReferenceQuery())
    before = {ref.id: ref.citekey for ref in seeded.store.references(ids)}
    changed = seeded.regenerate_citekeys(ids[:10], "{year}")
    after = {ref.id: ref.citekey for ref in seeded.store.references(ids)}
    assert changed.count == 10
    assert len(set(after.values())) == len(after)  # unique
    assert all(after[i] == before[i] for i in ids[10:])  # stable
    years = [after[i] for i in ids[:10]]
    assert all(key[:4].isdigit() for key in years)
    assert len({key[:4] for key in years}) < len(years)  # so some carry a, b, c suffixes
    # Regenerating again with the same pattern changes nothing.
    assert seeded.regenerate_citekeys(ids[:10], "{year}").count == 0
    with pytest.raises(UserError, match="unknown field"):
        seeded.regenerate_citekeys(ids[:1], "{nope}")


def test_editing_a_key_onto_another_references_key_is_refused(seeded: Library) -> None:
    first, second = seeded.store.references(seeded.query_ids(ReferenceQuery())[:2])
    assert first.id is not None
    with pytest.raises(UserError, match="already another reference's key"):
        seeded.update_fields(first.id, {"citekey": second.citekey}, first.version)
    assert seeded.get(first.id).citekey == first.citekey
    seeded.update_fields(first.id, {"citekey": "mykey2022"}, first.version)
    assert seeded.get(first.id).citekey == "mykey2022"
