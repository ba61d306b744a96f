"""Registries for evaluation: :func:`sync_registry` makes an engine's registry hold exactly a
set of profiles, and :func:`compare_encoders` runs the labelled cases with each encoder (how
the default is chosen)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matcher.evaluation.cases import Case
from matcher.evaluation.runs import CaseRun, run_cases
from matcher.profile import ActorProfile
from matcher.progress import Progress


def sync_registry(matcher: Any, profiles: Sequence[ActorProfile],
                  progress: Progress | None = None) -> None:
    """Make ``matcher``'s registry hold exactly ``profiles`` (other actors are removed), then
    build its index. Embeddings already in the registry's cache are reused."""
    wanted = {p.id for p in profiles}
    for actor in matcher.store.all():
        if actor.profile.id not in wanted:
            matcher.remove(actor.profile.id)
    matcher.upsert(list(profiles), progress)
    matcher.index(progress)


def compare_encoders(models: Sequence[str], profiles: Sequence[ActorProfile],
                     cases: Sequence[Case], k: int = 5, *, db_path: Path | str | None = None,
                     threads: int = 2,
                     on_model: Callable[[str], Progress | None] | None = None,
                     encoders: dict[str, Any] | None = None) -> dict[str, CaseRun]:
    """Run the labelled cases through the engine once per encoder (``use``, ``e5``, ``minilm``
    or any sentence-transformers model). ``db_path`` keeps the registry and its embedding cache
    between runs (a temporary one otherwise); ``on_model`` may return a progress callback;
    ``encoders`` is a cache of loaded encoders by name (filled with the ones loaded here)."""
    from matcher.encoders import load_encoder
    from matcher.engine import Matcher
    from matcher.settings import Settings

    runs: dict[str, CaseRun] = {}
    encoders = {} if encoders is None else encoders
    with tempfile.TemporaryDirectory(prefix="soliris-eval-") as tmp:
        path = Path(db_path) if db_path else Path(tmp) / "cases.db"
        for model in models:
            progress = on_model(model) if on_model else None
            if model not in encoders:
                encoders[model] = load_encoder(model, threads)
            encoder = encoders[model]
            matcher = Matcher(Settings(db_path=path, model=model, threads=threads),
                              encoder=encoder)
            sync_registry(matcher, profiles, progress)
            runs[model] = run_cases(matcher, cases, k, profiles=profiles,
                                    system=f"project ({model})")
    return runs
