"""Unit tests of matcher.evaluation.realdata: the IATI and EUTF loaders, the held-out and
consortium tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import InputFormatError
from matcher.evaluation import (
    ConsortiumTask,
    HeldOutRun,
    IatiActivity,
    TfidfBaseline,
    build_consortium_task,
    build_heldout_task,
    decode_mixed,
    load_eutf_activities,
    load_iati_activities,
    ndcg_at_k,
    run_consortia,
    run_heldout,
    split_org_names,
)

IATI_HEADER = "iati.identifier,title,description,participating.org..Implementing.\n"


def test_load_iati_decodes_mixed_bytes_and_drops_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "iati.csv"
    path.write_bytes(
        IATI_HEADER.encode()
        + "A1,Agua,Cooperaci\u00f3n t\u00e9cnica,Org A; Information Redacted\n".encode()
        + b"A2,Inclusi\xf3n,Latinoam\xe9rica,Not Applicable\n"
        + b"A3,  Spaced   title ,desc,Org A;Org B;Org A\n")
    activities = load_iati_activities(path)
    assert activities[0] == IatiActivity("Agua", "Cooperación técnica", ("Org A",))
    assert activities[1].title == "Inclusión" and activities[1].orgs == ()
    assert activities[2].title == "Spaced title" and activities[2].orgs == ("Org A", "Org B")
    assert decode_mixed(b"caf\xe9 \xc3\xa9t\xc3\xa9") == "café été"
    bad = tmp_path / "bad.csv"
    bad.write_text("title,description\nx,y\n")
    with pytest.raises(InputFormatError, match="missing column"):
        load_iati_activities(bad)


def test_iati_activity_text() -> None:
    assert IatiActivity("Wells", "Drilling wells.", ()).text == "Wells. Drilling wells."
    assert IatiActivity("Wells.", "Drilling.", ()).text == "Wells. Drilling."
    assert IatiActivity("Wells", "Wells in Mali", ()).text == "Wells in Mali"
    assert IatiActivity("Wells", "", ()).text == "Wells"
    assert IatiActivity("", "", ()).text == ""


def test_build_heldout_task_never_leaks_the_query() -> None:
    acts = [IatiActivity(f"Water {i}", f"Wells number {i}.", ("Water Org",)) for i in range(3)]
    acts += [IatiActivity(f"School {i}", f"Teachers {i}.", ("School Org",)) for i in range(2)]
    acts += [IatiActivity("Solo", "Only one activity.", ("Solo Org",)),
             IatiActivity("Dup", "Same text.", ("Dup Org",)),
             IatiActivity("Dup", "Same text.", ("Dup Org",)),
             IatiActivity("", "", ("Empty Org",))]
    task = build_heldout_task(acts, n_queries=10, seed=3)
    by_id = {p.id: p for p in task.profiles}
    names = {p.name for p in task.profiles}
    assert names == {"Water Org", "School Org", "Solo Org", "Dup Org"}
    assert task.eligible_orgs == 2  # Dup Org has one distinct text, Empty Org none
    assert sorted(q.org_name for q in task.queries) == ["School Org", "Water Org"]
    for query in task.queries:
        for profile in task.profiles:
            assert query.text not in profile.description
        assert by_id[query.org_id].name == query.org_name
    water = next(p for p in task.profiles if p.name == "Water Org")
    assert water.kind == "ngo" and water.description.count("\n") == 1
    # a fixed seed gives the same draw; n_queries caps it
    again = build_heldout_task(acts, n_queries=10, seed=3)
    assert again.queries == task.queries
    assert len(build_heldout_task(acts, n_queries=1, seed=3).queries) == 1


def test_build_heldout_task_cuts_long_profiles() -> None:
    acts = [IatiActivity(f"T{i}", "x" * 600 + f" {i}", ("Big",)) for i in range(30)]
    task = build_heldout_task(acts, n_queries=1, max_chars=2000)
    (profile,) = task.profiles
    assert len(profile.description) <= 2000 and profile.description.count("\n") == 2


def test_run_heldout_recall() -> None:
    acts = [IatiActivity(f"Water {i}", f"Drilling wells and pumps {i}.", ("Water Org",))
            for i in range(3)]
    acts += [IatiActivity(f"School {i}", f"Teacher training courses {i}.", ("School Org",))
             for i in range(3)]
    task = build_heldout_task(acts, n_queries=5, seed=1)
    run = run_heldout(TfidfBaseline(task.profiles), task, k=1)
    assert run.n == 2 and run.recall == 1.0 and run.recall_at_1 == 1.0 and run.mrr == 1.0
    assert run.system == "tf-idf"

    class Wrong:
        def match(self, text, top=10):
            return [{"id": "nobody"}]

    assert run_heldout(Wrong(), task, k=10).recall == 0.0


def test_build_consortium_task_hides_shared_texts_and_grades_partners() -> None:
    acts = [IatiActivity("Water", "Wells in Mali.", ("A",)),
            IatiActivity("Schools", "Teachers in Niger.", ("B",)),
            IatiActivity("Health", "Clinics in Chad.", ("C",)),
            IatiActivity("Joint 1", "Wells and schools together.", ("A", "B")),
            IatiActivity("Joint 2", "Wells and schools again.", ("A", "B", "D")),
            IatiActivity("Joint 3", "Clinics and wells.", ("A", "C"))]
    task = build_consortium_task(acts)
    by_name = {p.name: p.id for p in task.profiles}
    assert set(by_name) == {"A", "B", "C"}  # D worked only in a consortium: no profile
    for profile in task.profiles:
        assert "together" not in profile.description and "again" not in profile.description
    a, b, c = by_name["A"], by_name["B"], by_name["C"]
    assert task.partners == {a: {b: 2, c: 1}, b: {a: 2}, c: {a: 1}}
    assert task.consortia == 3


def test_run_consortia_scores_suggest_against_the_real_partners() -> None:
    task = ConsortiumTask(profiles=[], partners={"x": {"y": 2, "z": 1}}, consortia=1)

    class Ranker:
        def suggest(self, actor_id, top=10):
            assert actor_id == "x"
            return [{"id": "y"}, {"id": "w"}]

    run = run_consortia(Ranker(), task, k=10, system="r")
    assert (run.system, run.n, run.recall) == ("r", 1, 0.5)
    assert run.ndcg == pytest.approx(ndcg_at_k(["y", "w"], {"y": 2, "z": 1}, 10))


def test_heldout_run_subset_scores_the_chosen_queries() -> None:
    run = HeldOutRun("x", 10, 4, 0.0, 0.0, 0.0, ranks=(1, 0, 3, 2))
    whole = run.subset(range(4))
    assert (whole.n, whole.recall, whole.recall_at_1) == (4, 0.75, 0.25)
    assert whole.mrr == pytest.approx((1 + 1 / 3 + 1 / 2) / 4)
    part = run.subset([1, 2], system="y")
    assert (part.system, part.n, part.recall, part.mrr) == ("y", 2, 0.5, pytest.approx(1 / 6))
    assert "ranks" not in whole.to_dict()


@pytest.mark.parametrize("joined, names", [
    ("GIZ, Enabel", ["GIZ", "Enabel"]),
    ("DAI Global, LLC (DAI), UNICEF", ["DAI Global, LLC (DAI)", "UNICEF"]),
    ("UNICEF,  UNICEF , Not Applicable", ["UNICEF"]),
    ("", []),
    ("A, B, C", ["A", "B", "C"]),
])
def test_split_org_names_keeps_known_names_with_commas(joined, names) -> None:
    known = frozenset({"DAI Global, LLC (DAI)", "B, C and D"})
    assert split_org_names(joined, known) == names


def test_load_eutf_activities(tmp_path: Path) -> None:
    path = tmp_path / "eutf.csv"
    path.write_text(
        "iati_id,title,summary,partner_implementing,budget\n"
        'X1,Appui à la résilience,"Les communautés, au Niger.","DAI Global, LLC (DAI), GIZ",1\n'
        "X2,Jobs,Youth employment in Senegal.,,2\n", encoding="utf-8")
    orgs = tmp_path / "orgs.csv"
    orgs.write_text('name,type\n"DAI Global, LLC (DAI)",70\nGIZ,10\n', encoding="utf-8")
    first, second = load_eutf_activities(path, orgs)
    assert first == IatiActivity("Appui à la résilience", "Les communautés, au Niger.",
                                 ("DAI Global, LLC (DAI)", "GIZ"))
    assert second.orgs == ()
    assert load_eutf_activities(path)[0].orgs == ("DAI Global", "LLC (DAI)", "GIZ")
    bad = tmp_path / "bad.csv"
    bad.write_text("title,description\nx,y\n")
    with pytest.raises(InputFormatError, match="missing column.*partner_implementing"):
        load_eutf_activities(bad)
    with pytest.raises(InputFormatError, match="cannot read"):
        load_eutf_activities(tmp_path / "absent.csv")
