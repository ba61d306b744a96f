"""Offline evaluation of the matching engine, one module per task: the ranking metrics
(:mod:`.metrics`); the labelled cases (:mod:`.cases`) and running them through a ranker
(:mod:`.runs`); the TF-IDF baseline (:mod:`.baseline`); the registries of an evaluation and the
encoder comparison (:mod:`.registries`); the IATI and EUTF tasks on real data
(:mod:`.realdata`); and the STS benchmark (:mod:`.sts`).

Every public name is re-exported here: ``from matcher.evaluation import run_cases``.
"""

from __future__ import annotations

from matcher.evaluation.baseline import Hit, TfidfBaseline, profile_text
from matcher.evaluation.cases import (
    CASE_FIELDS,
    CASE_TYPES,
    LANGS,
    Case,
    check_cases,
    is_cross_lingual,
    load_cases,
    parse_cases,
)
from matcher.evaluation.metrics import (
    dcg_at_k,
    grades_as_ranking_scores,
    ideal_dcg_at_k,
    ndcg_at_k,
    ratio,
    recall_at_k,
)
from matcher.evaluation.realdata import (
    EUTF_COLUMNS,
    IATI_ORG_COLUMN,
    IATI_PLACEHOLDER_ORGS,
    ConsortiumRun,
    ConsortiumTask,
    HeldOutQuery,
    HeldOutRun,
    HeldOutTask,
    IatiActivity,
    build_consortium_task,
    build_heldout_task,
    decode_mixed,
    load_eutf_activities,
    load_iati_activities,
    run_consortia,
    run_heldout,
    split_org_names,
)
from matcher.evaluation.registries import compare_encoders, sync_registry
from matcher.evaluation.runs import (
    Aggregate,
    CaseResult,
    CaseRun,
    Progress,
    Ranker,
    grader_agreement,
    registry_profiles,
    result_ids,
    run_cases,
    same_language_excess,
    system_name,
)
from matcher.evaluation.sts import (
    DEFAULT_STS_PAIRS,
    StsSet,
    load_sts,
    sts_language_gap,
    sts_pair_name,
    sts_spearman,
)

__all__ = [
    "CASE_FIELDS", "CASE_TYPES", "DEFAULT_STS_PAIRS", "EUTF_COLUMNS", "IATI_ORG_COLUMN",
    "IATI_PLACEHOLDER_ORGS", "LANGS",
    "Aggregate", "Case", "CaseResult", "CaseRun", "ConsortiumRun", "ConsortiumTask", "HeldOutQuery",
    "HeldOutRun", "HeldOutTask", "Hit", "IatiActivity", "Progress", "Ranker", "StsSet",
    "TfidfBaseline",
    "build_consortium_task", "build_heldout_task", "check_cases", "compare_encoders", "dcg_at_k",
    "decode_mixed", "grader_agreement", "grades_as_ranking_scores", "ideal_dcg_at_k",
    "is_cross_lingual", "load_cases", "load_eutf_activities", "load_iati_activities", "load_sts",
    "ndcg_at_k", "parse_cases", "profile_text", "ratio", "recall_at_k", "registry_profiles",
    "result_ids", "run_cases", "run_consortia", "run_heldout", "same_language_excess",
    "split_org_names", "sts_language_gap", "sts_pair_name", "sts_spearman", "sync_registry",
    "system_name",
]
