"""``python -m bench.eval`` (``make eval``): the project next to a TF-IDF baseline, in one run.

(a) the labelled cases of ``data/eval/cases.jsonl`` on the sample registry: nDCG@5 and recall@5
    overall, by language, by type, cross-lingual and filtered, plus the encoder comparison
    that chose the default model; then the case sets written blind to the engine
    (``data/eval/heldout.jsonl`` and the ``blindN.jsonl`` sets on the sample, the ``altN/``
    registries with cases of their own: ``bench.common.HELD_OUT_SETS``), the agreement of two
    graders on the sets graded twice (``data/eval/second-grader/``) and the parallel cases
    asked in three languages (``data/eval/parallel/``);
(b) the IATI held-out task: recall@10 of the true implementing organisation; the same on the
    EU Trust Fund for Africa's activities, in French and English (b2), and their real consortia
    as `suggest` cases (b3);
(c) STS-B Spearman ×100 of each encoder in en, fr, nl and across languages.

Markdown tables go to stdout (paste them into the README), progress to stderr. Registries and
embedding caches are kept under ``bench/results/`` so a second run is fast.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    CASES,
    FRESH_SETS,
    HELD_OUT_SETS,
    PARALLEL_SETS,
    SAMPLE,
    SECOND_GRADINGS,
    Progress,
    eutf_activities,
    iati_activities,
    iati_csv,
    log,
    markdown_table,
    results_dir,
    sts_dir,
    write_json,
)
from matcher.encoders import CachedEncoder, load_encoder
from matcher.engine import Matcher
from matcher.errors import SolirisError
from matcher.evaluation import (
    DEFAULT_STS_PAIRS,
    CaseRun,
    HeldOutTask,
    IatiActivity,
    TfidfBaseline,
    build_consortium_task,
    build_heldout_task,
    compare_encoders,
    grader_agreement,
    load_cases,
    load_sts,
    ratio,
    run_cases,
    run_consortia,
    run_heldout,
    same_language_excess,
    sts_language_gap,
    sts_pair_name,
    sts_spearman,
    sync_registry,
)
from matcher.formats import parse_profiles
from matcher.language import guess_language
from matcher.profile import ActorProfile
from matcher.settings import DEFAULT_MODEL, Settings
from matcher.store import Store

# The row label of each case group of :meth:`CaseRun.groups`, in table order.
GROUP_LABELS = {
    "overall": "overall", "lang:en": "English queries", "lang:fr": "French queries",
    "lang:nl": "Dutch queries", "type:match": "`match` (text)", "type:suggest": "`suggest` (actor)",
    "cross-lingual": "cross-lingual", "same-language": "same language",
    "filtered": "with filters (kind / country)", "unfiltered": "without filters",
}


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m bench.eval``."""
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="use,e5,minilm",
                        help="encoders to compare, comma-separated (default: use,e5,minilm)")
    parser.add_argument("--default-model", default=DEFAULT_MODEL,
                        help=f"the project's model, compared with TF-IDF (default: "
                             f"{DEFAULT_MODEL})")
    parser.add_argument("--skip-sts", action="store_true", help="leave out the STS benchmark")
    parser.add_argument("--skip-iati", action="store_true",
                        help="leave out the IATI and EUTF tasks (b, b2, b3)")
    parser.add_argument("--skip-cases", action="store_true", help="leave out labelled cases")
    parser.add_argument("--skip-held-out", action="store_true",
                        help="leave out the case sets written blind to the engine")
    parser.add_argument("--cases", type=Path, default=CASES, help="labelled cases (JSONL)")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="registry for the cases")
    parser.add_argument("--k", type=int, default=5, help="cut-off for nDCG and recall (5)")
    parser.add_argument("--iati-k", type=int, default=10, help="cut-off for IATI recall (10)")
    parser.add_argument("--iati-queries", type=int, default=300,
                        help="held-out activities to query (default 300, fixed seed)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the held-out draw")
    parser.add_argument("--threads", type=int, default=2, help="encoder threads (2)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also save the figures here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run every section that is not skipped and print its markdown on stdout (progress on
    stderr). A section that fails with a :class:`SolirisError` or an ``OSError`` is reported
    in place and the others still run; the default model is always evaluated, first if it is
    not in ``--models``. Returns 1 when a section failed, else 0."""
    args = build_parser().parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if args.default_model not in models:
        models.insert(0, args.default_model)
    figures: dict[str, Any] = {"default_model": args.default_model, "models": models}
    encoders: dict[str, Any] = {}
    failures: list[str] = []
    started = time.monotonic()

    print("# Soliris Match — evaluation\n")
    sections = [("cases", "labelled cases", args.skip_cases,
                 lambda: labelled_cases(args, models, encoders)),
                ("held_out", "held-out case sets", args.skip_held_out,
                 lambda: held_out_sets(args, models, encoders)),
                ("agreement", "agreement between two graders", args.skip_held_out,
                 lambda: two_graders(args, encoders)),
                ("parallel", "parallel cases", args.skip_held_out,
                 lambda: parallel_cases(args, encoders)),
                ("iati", "IATI task", args.skip_iati, lambda: iati_task(args, encoders)),
                ("eutf", "EUTF task", args.skip_iati, lambda: eutf_task(args, encoders)),
                ("eutf_consortia", "EUTF consortia", args.skip_iati,
                 lambda: eutf_consortia(args, encoders))]
    for key, label, skip, run in sections:
        if skip:
            continue
        try:
            figures[key] = run()
        except (SolirisError, OSError) as exc:
            failures.append(f"{label}: {exc}")
            print(f"**{label[0].upper()}{label[1:]} not evaluated:** {exc}\n")
            _issue_details(exc)
    if not args.skip_sts:
        figures["sts"] = sts_benchmark(args, models, encoders, failures)
    figures["seconds"] = round(time.monotonic() - started, 1)
    if args.json:
        write_json(args.json, figures)
        log(f"figures written to {args.json}")
    log(f"done in {figures['seconds']:.0f}s")
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _issue_details(exc: Exception) -> None:
    """The first 30 issues of an input error (one per bad line or field), on stderr."""
    for issue in getattr(exc, "issues", [])[:30]:
        print(f"  - {issue.describe()}", file=sys.stderr)


# -- (a) labelled cases -----------------------------------------------------------------------


def _runs_by_encoder(args: argparse.Namespace, models: list[str], encoders: dict[str, Any],
                     profiles: list[Any], cases: list[Any], label: str, db_path: Path
                     ) -> tuple[dict[str, CaseRun], dict[str, str]]:
    """The engine with each encoder on ``cases``; an optional encoder that cannot load is
    reported in the second dict, the default one's failure is raised."""
    runs: dict[str, CaseRun] = {}
    errors: dict[str, str] = {}
    for model in models:
        log(f"{label}: project with encoder '{model}'")
        try:
            runs.update(compare_encoders(
                [model], profiles, cases, args.k, db_path=db_path, threads=args.threads,
                on_model=lambda m: Progress(f"{label}: embedding ({m})"), encoders=encoders))
        except SolirisError as exc:
            if model == args.default_model:
                raise
            errors[model] = str(exc)
            log(f"encoder '{model}' unavailable: {exc}")
    return runs, errors


def labelled_cases(args: argparse.Namespace, models: list[str], encoders: dict[str, Any]
                   ) -> dict[str, Any]:
    """Section (a): the project and TF-IDF on the labelled cases of ``--cases`` over the
    ``--sample`` registry, by group (:data:`GROUP_LABELS`), then every encoder on the same
    cases and the project's weakest cases; prints three tables and returns their figures."""
    profiles = parse_profiles(args.sample.read_bytes(), "jsonl")
    cases = load_cases(args.cases)
    k = args.k
    log(f"labelled cases: {len(cases)} cases on {len(profiles)} profiles ({args.sample.name})")

    baseline = run_cases(TfidfBaseline(profiles), cases, k, profiles=profiles)
    runs, errors = _runs_by_encoder(args, models, encoders, profiles, cases, "labelled cases",
                                    results_dir() / "eval-cases.db")
    project = runs[args.default_model]

    print(f"## (a) Labelled cases — project ({args.default_model}) vs TF-IDF\n")
    print(f"{len(cases)} cases from `{_rel(args.cases)}` on the {len(profiles)} profiles of "
          f"`{_rel(args.sample)}`; graded relevance (1 or 2), cut-off {k}.\n")
    p_groups, b_groups = project.groups(), baseline.groups()
    rows = []
    for name, label in GROUP_LABELS.items():
        if name not in p_groups:
            continue
        p, b = p_groups[name], b_groups[name]
        rows.append([label, str(p.n), p.ndcg, b.ndcg, _ratio(p.ndcg, b.ndcg), p.recall,
                     b.recall, _ratio(p.recall, b.recall)])
    print(markdown_table(["cases", "n", f"project nDCG@{k}", f"TF-IDF nDCG@{k}", "ratio",
                          f"project R@{k}", f"TF-IDF R@{k}", "ratio"], rows))
    print()

    print(f"### Encoder comparison (the engine with each model, same cases, cut-off {k})\n")
    rows = []
    for model in models:
        if model not in runs:
            rows.append([f"`{model}`", "unavailable", "", "", "", "", ""])
            continue
        groups = runs[model].groups()
        cross = groups.get("cross-lingual")
        same = groups.get("same-language")
        rows.append([f"`{model}`" + (" (default)" if model == args.default_model else ""),
                     groups["overall"].ndcg, groups["overall"].recall,
                     cross.ndcg if cross else None, cross.recall if cross else None,
                     same.ndcg if same else None, same.recall if same else None])
    cross_n = p_groups["cross-lingual"].n if "cross-lingual" in p_groups else 0
    print(markdown_table(["encoder", f"nDCG@{k}", f"R@{k}", f"nDCG@{k} cross-lingual",
                          f"R@{k} cross-lingual", f"nDCG@{k} same language",
                          f"R@{k} same language"], rows))
    print(f"\n({cross_n} cross-lingual cases.)\n")

    weakest = sorted(project.results, key=lambda r: (r.ndcg, r.case.id))[:8]
    base_by_id = {r.case.id: r for r in baseline.results}
    print(f"### Weakest cases for the project ({args.default_model})\n")
    print(markdown_table(
        ["case", "lang", "type", "cross", f"project nDCG@{k}", f"TF-IDF nDCG@{k}",
         "missed (relevant not in top)"],
        [[r.case.id, r.case.lang, r.case.type, "yes" if r.cross_lingual else "no", r.ndcg,
          base_by_id[r.case.id].ndcg,
          ", ".join(a for a in r.case.relevant if a not in r.ranked) or "—"]
         for r in weakest], align="llllrrl"))
    print()
    return {"k": k, "n_cases": len(cases), "n_profiles": len(profiles),
            "project": project.to_dict(), "tfidf": baseline.to_dict(),
            "encoders": {m: {"groups": {g: vars(a) for g, a in r.groups().items()}}
                         for m, r in runs.items()},
            "unavailable": errors}


def held_out_sets(args: argparse.Namespace, models: list[str], encoders: dict[str, Any]
                  ) -> dict[str, Any]:
    """The project and TF-IDF on the case sets written blind to the engine, and every encoder
    on them (an unavailable optional encoder is reported, not fatal)."""
    k = args.k
    model = args.default_model
    rows, encoder_rows = [], []
    fresh: list[tuple[str, float, float]] = []
    out: dict[str, Any] = {}
    for name, (registry, cases_path) in HELD_OUT_SETS.items():
        profiles = parse_profiles(registry.read_bytes(), "jsonl")
        cases = load_cases(cases_path)
        log(f"{name}: {len(cases)} cases on {len(profiles)} profiles")
        runs, _ = _runs_by_encoder(args, models, encoders, profiles, cases, name,
                                   results_dir() / f"eval-{name}.db")
        project = runs[model]
        baseline = run_cases(TfidfBaseline(profiles), cases, k, profiles=profiles)
        p, b = project.groups(), baseline.groups()
        if name in FRESH_SETS:
            fresh.append((f"`{_rel(cases_path)}`", p["overall"].ndcg, b["overall"].ndcg))
        cells = [p[g].ndcg if g in p else None
                 for g in ("type:match", "type:suggest", "cross-lingual")]
        rows.append([f"`{_rel(cases_path)}`", f"`{_rel(registry)}`", str(len(profiles)),
                     str(len(cases)), p["overall"].ndcg, b["overall"].ndcg,
                     _ratio(p["overall"].ndcg, b["overall"].ndcg), p["overall"].recall,
                     b["overall"].recall, *cells])
        encoder_rows.append([f"`{_rel(cases_path)}`", *(
            runs[m].overall.ndcg if m in runs else "unavailable" for m in models)])
        out[name] = {"cases": _rel(cases_path), "registry": _rel(registry),
                     "project": project.to_dict(), "tfidf": baseline.to_dict(),
                     "encoders": {m: vars(r.overall) for m, r in runs.items()}}
    print(f"### Case sets written blind to the engine — project ({model}) vs TF-IDF\n")
    print("Their authors saw only the profiles (or only the fact sheet, for a registry of "
          "their own), never the engine, its weights or the cases above. Development sets "
          "decided which changes were kept, or were read to diagnose misses after their first "
          "measurement; the fresh sets (named below the table) were only scored, and served "
          "as a yes/no for changes decided in advance (six of them were read in the sixth "
          "round to diagnose misses, and the lowest `match` cases of one more in the seventh; "
          "no change came of it). `data/README.md` gives each set's history.\n")
    print(markdown_table(["cases", "registry", "profiles", "n", f"project nDCG@{k}",
                          f"TF-IDF nDCG@{k}", "ratio", f"project R@{k}", f"TF-IDF R@{k}",
                          f"`match` nDCG@{k}", f"`suggest` nDCG@{k}",
                          f"cross-lingual nDCG@{k}"], rows, align="llrrrrrrrrrr"))
    if fresh:
        mean_p = sum(p for _, p, _ in fresh) / len(fresh)
        mean_b = sum(b for _, _, b in fresh) / len(fresh)
        names = ", ".join(f for f, _, _ in fresh)
        print(f"\nFresh sets, from which no engine change was decided ({names}): mean nDCG@{k} "
              f"{mean_p:.3f} for the project, {mean_b:.3f} for TF-IDF "
              f"({_ratio(mean_p, mean_b)}).")
        out["fresh_mean"] = {"project": mean_p, "tfidf": mean_b}
    print()
    if len(models) > 1:
        print(f"Encoders on the same sets (the engine with each model, nDCG@{k}):\n")
        print(markdown_table(["cases", *(f"`{m}`" + (" (default)" if m == model else "")
                                         for m in models)], encoder_rows))
        print()
    return out


def two_graders(args: argparse.Namespace, encoders: dict[str, Any]) -> dict[str, Any]:
    """How far two careful graders of the same blind cases agree, next to the project scored on
    each of them: the second grader's labels, as a ranking (best grade first, ties in random
    order, in expectation), scored on the first grader's, and the other way round."""
    k = args.k
    model = args.default_model
    rows: list[list[Any]] = []
    out: dict[str, Any] = {}
    for name, second_path in SECOND_GRADINGS.items():
        registry, first_path = HELD_OUT_SETS[name]
        profiles = parse_profiles(registry.read_bytes(), "jsonl")
        first, second = load_cases(first_path), load_cases(second_path)
        log(f"{name}: {len(first)} cases graded twice")
        agree = grader_agreement(first, second, k, profiles=profiles).groups()
        back = grader_agreement(second, first, k, profiles=profiles).groups()
        db = results_dir() / f"eval-{name}.db"
        on_first, on_second = (compare_encoders([model], profiles, cases, k, db_path=db,
                                                threads=args.threads, encoders=encoders)[model]
                               .groups() for cases in (first, second))
        rows.append([f"`{_rel(first_path)}`", str(len(first)), agree["overall"].ndcg,
                     back["overall"].ndcg, on_first["overall"].ndcg, on_second["overall"].ndcg,
                     *(g[t].ndcg if t in g else None for t in ("type:match", "type:suggest")
                       for g in (agree, on_first))])
        out[name] = {"second": _rel(second_path), **{
            key: {g: vars(a) for g, a in groups.items()} for key, groups in (
                ("second_on_first", agree), ("first_on_second", back),
                ("project_on_first", on_first), ("project_on_second", on_second))}}
    print("### Agreement between two graders\n")
    print("A second author, given only the profiles and the requests of a blind set (never its "
          "grades nor the engine), graded the same cases (`data/eval/second-grader/`). Each "
          "grader's labels are read as a ranking (grade 2 first, then grade 1, ties in random "
          f"order: the exact expectation) and scored with nDCG@{k} on the other's: how far two "
          "careful graders agree, a ceiling of sorts for any ranker scored on one of them. The "
          f"project ({model}) is scored on each grading.\n")
    print(markdown_table(
        ["cases", "n", "second grader on the first's grades", "first on the second's",
         "project on the first's", "project on the second's",
         "`match`: second grader", "`match`: project", "`suggest`: second grader",
         "`suggest`: project"], rows, align="lrrrrrrrrr"))
    if rows:
        means = [sum(row[i] for row in rows) / len(rows) for i in (2, 3, 4, 5)]
        print(f"\nMean over the {len(rows)} sets: second grader on the first's grades "
              f"{means[0]:.3f}, first on the second's {means[1]:.3f}; the project "
              f"{means[2]:.3f} on the first's, {means[3]:.3f} on the second's.")
        out["mean"] = dict(zip(("second_on_first", "first_on_second", "project_on_first",
                                "project_on_second"), means, strict=True))
    print()
    return out


def parallel_cases(args: argparse.Namespace, encoders: dict[str, Any]) -> dict[str, Any]:
    """The same requests asked in Dutch, French and English: nDCG@k by query language and the
    same-language excess of the results (see :func:`same_language_excess`), for the project and
    TF-IDF."""
    k = args.k
    model = args.default_model
    rows: list[list[Any]] = []
    out: dict[str, Any] = {}
    for name, (registry, cases_path) in PARALLEL_SETS.items():
        profiles = parse_profiles(registry.read_bytes(), "jsonl")
        cases = load_cases(cases_path)
        log(f"{name}: {len(cases)} cases on {len(profiles)} profiles")
        runs = {f"project ({model})": compare_encoders(
                    [model], profiles, cases, k, db_path=results_dir() / f"eval-{name}.db",
                    threads=args.threads, encoders=encoders)[model],
                "TF-IDF": run_cases(TfidfBaseline(profiles), cases, k, profiles=profiles)}
        out[name] = {}
        for system, run in runs.items():
            groups = run.groups()
            excess = same_language_excess(run, profiles)
            rows.append([f"`{_rel(cases_path)}`", system,
                         *(groups[f"lang:{lang}"].ndcg for lang in ("nl", "fr", "en")),
                         *(f"{excess[lang]:+.3f}" for lang in ("nl", "fr", "en"))])
            out[name][system] = {"ndcg": {lang: groups[f"lang:{lang}"].ndcg
                                          for lang in ("nl", "fr", "en")},
                                 "same_language_excess": excess}
    print("### Parallel cases: the same requests in three languages\n")
    print("Each request is asked in Dutch, French and English with the same graded answers "
          "(`data/eval/parallel/`, development sets). *Same-language excess*: the share of the "
          f"first {k} results written in the query's language, minus that share when the same "
          "requests are asked in the other two languages; 0 for a ranker that ignores the "
          "language of the profiles.\n")
    print(markdown_table(["cases", "system", f"nDCG@{k} Dutch", f"nDCG@{k} French",
                          f"nDCG@{k} English", "excess Dutch", "excess French",
                          "excess English"], rows, align="llrrrrrr"))
    print()
    return out


# -- (b) held-out organisation tasks: IATI, then EUTF ------------------------------------------


def iati_task(args: argparse.Namespace, encoders: dict[str, Any]) -> dict[str, Any]:
    """Section (b): the held-out organisation task on the IATI sample
    (:func:`heldout_section`)."""
    activities = iati_activities(iati_csv())
    return heldout_section(
        args, encoders, "IATI", activities, args.iati_queries,
        f"## (b) IATI held-out organisation — recall@{args.iati_k}\n\n"
        f"{len(activities)} real IATI activities → {{profiles}} implementing organisations "
        f"(placeholders such as \"Information Redacted\" dropped), each profile built from its "
        f"activities' texts. For {{queries}} organisations with ≥ 2 activities (seed "
        f"{args.seed}), one activity is held out of every profile and its text is the query; "
        f"success = the true implementing organisation in the top {args.iati_k}.\n")


def eutf_task(args: argparse.Namespace, encoders: dict[str, Any]) -> dict[str, Any]:
    """Section (b2): the same task on the EU Trust Fund for Africa's activities, with rows
    by the query's language and a cross-lingual row."""
    activities = eutf_activities()
    return heldout_section(
        args, encoders, "EUTF", activities, args.iati_queries,
        f"## (b2) EU Trust Fund for Africa held-out organisation — recall@{args.iati_k}\n\n"
        f"The same task on another real source, in two languages: {len(activities)} activities "
        f"of the EU Emergency Trust Fund for Africa (Akvo RSR export, about a third written in "
        f"French) → {{profiles}} implementing organisations (GIZ, Enabel, IOM, NGOs...). "
        f"{{queries}} organisations with ≥ 2 activities each have one held out (seed "
        f"{args.seed}). Rows by the query's language, and *cross-lingual*: the query is not in "
        f"the language of most of the organisation's remaining texts.\n", by_language=True)


def heldout_section(args: argparse.Namespace, encoders: dict[str, Any], label: str,
                    activities: Sequence[IatiActivity], n_queries: int, intro: str, *,
                    by_language: bool = False) -> dict[str, Any]:
    """Build the held-out task from ``activities``, rank it with the project and TF-IDF, and
    print its table under ``intro`` (``{profiles}`` and ``{queries}`` are filled in)."""
    task = build_heldout_task(activities, n_queries, args.seed)
    k = args.iati_k
    log(f"{label}: {len(task.profiles)} organisation profiles, {len(task.queries)} held-out "
        f"queries")
    matcher = _task_matcher(args, encoders, label, task.profiles)
    project = run_heldout(matcher, task, k, system=f"project ({args.default_model})",
                          progress=Progress(f"{label}: project queries"))
    log(f"{label}: TF-IDF")
    baseline = run_heldout(TfidfBaseline(task.profiles), task, k)

    print(intro.format(profiles=len(task.profiles), queries=len(task.queries)))
    groups = {"all queries": list(range(len(task.queries)))}
    if by_language:
        groups.update(heldout_language_groups(task))
    rows = []
    figures: dict[str, Any] = {"k": k, "organisations": len(task.profiles),
                               "eligible": task.eligible_orgs}
    for group, indices in groups.items():
        if not indices:
            continue
        ours, theirs = project.subset(indices), baseline.subset(indices)
        prefix = "" if group == "all queries" else f"{group}: "
        rows += [[f"{prefix}{r.system}", str(r.n), r.recall, r.recall_at_1, r.mrr]
                 for r in (ours, theirs)]
        rows.append([f"{prefix}ratio project / TF-IDF", "", _ratio(ours.recall, theirs.recall),
                     _ratio(ours.recall_at_1, theirs.recall_at_1), _ratio(ours.mrr, theirs.mrr)])
        key = "overall" if group == "all queries" else group
        figures[key] = {"project": ours.to_dict(), "tfidf": theirs.to_dict()}
    print(markdown_table(["system", "queries", f"recall@{k}", "recall@1", f"MRR@{k}"], rows))
    print()
    figures.update(project=project.to_dict(), tfidf=baseline.to_dict())
    return figures


def _task_matcher(args: argparse.Namespace, encoders: dict[str, Any], label: str,
                  profiles: Sequence[ActorProfile]) -> Matcher:
    """The project on a registry of ``profiles`` of its own (kept under bench/results)."""
    model = args.default_model
    if model not in encoders:
        encoders[model] = load_encoder(model, args.threads)
    matcher = Matcher(Settings(db_path=results_dir() / f"eval-{label.lower()}.db", model=model,
                               threads=args.threads), encoder=encoders[model])
    sync_registry(matcher, profiles, Progress(f"{label}: embedding organisation profiles"))
    return matcher


def eutf_consortia(args: argparse.Namespace, encoders: dict[str, Any]) -> dict[str, Any]:
    """Section (b3): ``suggest`` for the organisations of the EUTF's real consortia, scored
    on their real partners (nDCG and recall at ``--iati-k``), project against TF-IDF."""
    task = build_consortium_task(eutf_activities())
    k = args.iati_k
    log(f"EUTF consortia: {len(task.profiles)} organisation profiles, {len(task.partners)} "
        f"organisations with partners")
    matcher = _task_matcher(args, encoders, "EUTF-consortia", task.profiles)
    project = run_consortia(matcher, task, k, system=f"project ({args.default_model})",
                            progress=Progress("EUTF consortia: project queries"))
    baseline = run_consortia(TfidfBaseline(task.profiles), task, k)
    mean_partners = sum(map(len, task.partners.values())) / max(len(task.partners), 1)
    print(f"## (b3) EU Trust Fund for Africa real consortia — `suggest`, nDCG@{k}\n\n"
          f"Who worked with whom: the {task.consortia} activities that two implementing "
          f"organisations or more carried out together are left out of every profile, and "
          f"`suggest` for each of the {len(task.partners)} organisations of those consortia "
          f"that keep a profile ({len(task.profiles)} in all) should find its real partners "
          f"(grade 2 for a partner of two consortia or more, 1 for one; "
          f"{mean_partners:.1f} partners each on average) from what each organisation does "
          f"elsewhere.\n")
    rows = [[r.system, str(r.n), r.ndcg, r.recall] for r in (project, baseline)]
    rows.append(["ratio project / TF-IDF", "", _ratio(project.ndcg, baseline.ndcg),
                 _ratio(project.recall, baseline.recall)])
    print(markdown_table(["system", "organisations", f"nDCG@{k}", f"recall@{k}"], rows))
    print()
    return {"k": k, "organisations": len(task.profiles), "consortia": task.consortia,
            "project": project.to_dict(), "tfidf": baseline.to_dict()}


def heldout_language_groups(task: HeldOutTask) -> dict[str, list[int]]:
    """Query positions by the query's language (French, English), and those whose language
    is not that of most of the true organisation's remaining texts."""
    profiles = {p.id: p for p in task.profiles}
    groups: dict[str, list[int]] = {"French queries": [], "English queries": [],
                                    "cross-lingual": []}
    for index, query in enumerate(task.queries):
        lang = guess_language(query.text)
        if lang in ("fr", "en"):
            groups["French queries" if lang == "fr" else "English queries"].append(index)
        texts = profiles[query.org_id].description.split("\n")
        langs = Counter(guess_language(text) for text in texts)
        if lang and langs.most_common(1)[0][0] not in (lang, None):
            groups["cross-lingual"].append(index)
    return groups


# -- (c) STS -----------------------------------------------------------------------------------


def sts_benchmark(args: argparse.Namespace, models: list[str], encoders: dict[str, Any],
                  failures: list[str]) -> dict[str, Any]:
    """Section (c): STS-B Spearman ×100 of each encoder per language pair, and each encoder's
    language bias before and after the correction. Missing STS data is appended to
    ``failures`` (and ``{}`` returned); an encoder that cannot load gets ``None``."""
    data = load_sts(sts_dir())
    if not data:
        failures.append(f"STS: no stsb-*-test.csv in {sts_dir()}")
        print(f"**STS not evaluated:** no data in {sts_dir()}\n")
        return {}
    pairs = [p for p in DEFAULT_STS_PAIRS if p[0] in data and p[1] in data]
    cache = Store(results_dir() / "eval-sts.db")  # embeddings only: reruns are instant
    out: dict[str, Any] = {}
    gaps: dict[str, dict[float, float]] = {}
    for model in models:
        log(f"STS: encoder '{model}'")
        try:
            if model not in encoders:
                encoders[model] = load_encoder(model, args.threads)
            encoder = CachedEncoder(encoders[model], cache)
            out[model] = sts_spearman(encoder, data, pairs, Progress(f"STS ({model})"))
            gaps[model] = sts_language_gap(encoder, data)
        except SolirisError as exc:
            out[model] = None
            log(f"STS: encoder '{model}' unavailable: {exc}")
    n = len(next(iter(data.values())).first)
    names = [sts_pair_name(p) for p in pairs]
    print("## (c) STS benchmark — Spearman ×100 (cosine vs gold similarity)\n")
    print(f"STS-B test ({n} pairs per language, fr/nl machine-translated, rows aligned); "
          "`fr-en` = sentence 1 in French, sentence 2 of the same row in English.\n")
    rows = []
    for model in models:
        scores = out.get(model)
        label = f"`{model}`" + (" (default)" if model == args.default_model else "")
        rows.append([label, *([scores[name] for name in names] if scores
                              else ["unavailable"] + [""] * (len(names) - 1))])
    print(markdown_table(["encoder", *names], _one_decimal(rows)))
    print()
    if gaps:
        print("Language bias (`matcher.language`): mean cosine of a sentence with unrelated "
              "sentences of its own language minus that with unrelated sentences of another "
              "language, ×100 (300 sentences per language against all others), as encoded and "
              "after the language-neutral correction that text queries get (strength 1):\n")
        print(markdown_table(["encoder", "as encoded", "corrected"],
                             [[f"`{m}`", f"{g[0.0] * 100:+.2f}", f"{g[1.0] * 100:+.2f}"]
                              for m, g in gaps.items()], align="lrr"))
        print()
        out["language_gap"] = gaps
    return out


# -- formatting ---------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    """``a / b`` as a table cell (``1.23×``); ``—`` when it is NaN or infinite."""
    value = ratio(a, b)
    return f"{value:.2f}×" if value == value and value != float("inf") else "—"


def _one_decimal(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with their float cells written with one decimal (STS scores are ×100)."""
    return [[f"{c:.1f}" if isinstance(c, float) else c for c in row] for row in rows]


def _rel(path: Path) -> str:
    """``path`` relative to the working directory when it lies under it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
