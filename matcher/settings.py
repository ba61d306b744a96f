"""The one settings object: every tunable read from the environment, with documented defaults.

===================  ==========================================  ==============================
variable             meaning                                     default
===================  ==========================================  ==============================
SOLIRIS_DB           SQLite registry path                        ``$XDG_DATA_HOME/soliris/``
                                                                 ``soliris.db``
SOLIRIS_MODEL        encoder: ``use``, ``e5``, ``minilm``, a     ``use``
                     sentence-transformers name or folder
SOLIRIS_THREADS      BLAS / encoder threads                      ``2``
SOLIRIS_MAX_TOP      largest ``top`` a request may ask for       ``100``
SOLIRIS_MAX_UPLOAD   largest import upload, bytes                ``10485760`` (10 MiB)
SOLIRIS_REPORT_DIR   where ``soliris report`` writes by default  ``reports/latest``
SOLIRIS_WORKERS      engine requests the service runs at once    one per ``SOLIRIS_THREADS``
                                                                 cores
===================  ==========================================  ==============================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from matcher.errors import ConfigError

MAX_TEXT_CHARS = 10_000
DEFAULT_MODEL = "use"
# Actors whose suggestions report.html unfolds: about 3.5 kB each, so 5,000 keep the page near
# 20 MB (a browser's comfort); pairs.csv and report.json always hold every actor.
REPORT_HTML_ACTORS = 5_000


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system tells: a
    container or ``taskset`` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _default_db() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "soliris" / "soliris.db"


def _int_env(name: str, default: int) -> int:
    value = _optional_int_env(name)
    return default if value is None else value


def _optional_int_env(name: str, minimum: int = 1) -> int | None:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from exc
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build it with :meth:`from_env` and override with :meth:`with_`."""

    db_path: Path = field(default_factory=_default_db)
    model: str = DEFAULT_MODEL
    threads: int = 2
    max_top: int = 100
    max_text_chars: int = MAX_TEXT_CHARS
    max_upload_bytes: int = 10 * 1024 * 1024
    report_dir: Path = Path("reports/latest")
    # The service's concurrent engine requests; None: one per ``threads`` cores.
    workers: int | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """The settings the ``SOLIRIS_*`` environment variables give (the table above); an
        unset or blank variable keeps the field's default, an unusable one is a
        :class:`ConfigError`."""
        db = os.environ.get("SOLIRIS_DB")
        # The fields' defaults, not copies of them: the two could drift apart.
        return cls(
            db_path=Path(db).expanduser() if db else _default_db(),
            model=os.environ.get("SOLIRIS_MODEL") or cls.model,
            threads=_int_env("SOLIRIS_THREADS", cls.threads),
            max_top=_int_env("SOLIRIS_MAX_TOP", cls.max_top),
            max_upload_bytes=_int_env("SOLIRIS_MAX_UPLOAD", cls.max_upload_bytes),
            report_dir=Path(os.environ.get("SOLIRIS_REPORT_DIR") or cls.report_dir),
            workers=_optional_int_env("SOLIRIS_WORKERS"),
        )

    def with_(self, **changes: object) -> Settings:
        """Return a copy with some fields replaced (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
