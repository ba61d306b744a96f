"""bench.load finds its data where the other benchmarks do (README, Configuration)."""

from __future__ import annotations

from bench import load


def test_the_iati_sample_is_read_from_soliris_shared_dir(tmp_path, monkeypatch):
    csv = tmp_path / "data" / "iati-activities-sample-ips" / "iati_activities_sample_5000.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text("iati_identifier,title,description\n", encoding="utf-8")
    monkeypatch.setenv("SOLIRIS_SHARED_DIR", str(tmp_path))
    assert load.find_iati() == csv
