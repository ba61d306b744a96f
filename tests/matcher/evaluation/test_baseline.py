"""Unit tests of matcher.evaluation.baseline: the TF-IDF baseline's ranking and filters."""

from __future__ import annotations

import pytest

from matcher.errors import NotFoundError, ValidationError
from matcher.evaluation import TfidfBaseline
from tests.matcher.evaluation.conftest import make_profile


@pytest.fixture
def baseline() -> TfidfBaseline:
    return TfidfBaseline([
        make_profile("water-ngo", "Drilling wells and water pumps in villages.", "ngo", ("CD",)),
        make_profile("water-commune", "The commune funds water pumps and wells.", "commune",
                      ("Sénégal",)),
        make_profile("school", "Teacher training and school exchanges.", "association", ("RW",),
                      themes=["education"], offers="Lesson plans for teachers"),
        make_profile("water-text-only", "Water pumps near Kinshasa wells.", "ngo"),
    ])


def test_tfidf_ranks_by_cosine(baseline: TfidfBaseline) -> None:
    ids = [h.profile.id for h in baseline.match("water pumps and wells", top=4)]
    assert ids[-1] == "school" and set(ids[:3]) == {"water-ngo", "water-commune",
                                                    "water-text-only"}
    scores = [h.score for h in baseline.match("water pumps and wells", top=4)]
    assert scores == sorted(scores, reverse=True)
    # themes and offers are part of the profile text
    assert baseline.match("lesson plans education", top=1)[0].profile.id == "school"


def test_tfidf_filters(baseline: TfidfBaseline) -> None:
    assert [h.profile.id for h in baseline.match("water", kinds=["commune"])] == ["water-commune"]
    # countries: structured field only (names normalised), not places named in the text
    assert [h.profile.id for h in baseline.match("water", countries=["RDC"])] == ["water-ngo"]
    assert [h.profile.id for h in baseline.match("water", countries=["SN"])] == ["water-commune"]
    assert baseline.match("water", kinds=["expert"]) == []
    with pytest.raises(ValidationError, match="not a known country"):
        baseline.match("water", countries=["Atlantis"])


def test_tfidf_suggest_uses_own_profile_and_excludes_it(baseline: TfidfBaseline) -> None:
    hits = baseline.suggest("water-ngo", top=10)
    ids = [h.profile.id for h in hits]
    assert "water-ngo" not in ids and len(ids) == 3
    assert ids[0] in {"water-commune", "water-text-only"}
    with pytest.raises(NotFoundError):
        baseline.suggest("nobody")
