"""The benchmarks without the shared data: a message that says where it is looked for."""

from __future__ import annotations

import pytest

from bench import engine, load, report


@pytest.mark.parametrize("module, prog", [(engine, "bench.engine"), (report, "bench.report"),
                                          (load, "bench.load")])
def test_a_missing_shared_folder_stops_with_a_message(tmp_path, monkeypatch, module, prog):
    monkeypatch.setenv("SOLIRIS_SHARED_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(SystemExit) as info:
        if module is load:
            module.find_iati()
        else:
            module.main(["--sizes", "100"])
    message = str(info.value.code)
    assert message.startswith(f"{prog}: cannot find {tmp_path / 'nowhere'}")
    assert "SOLIRIS_SHARED_DIR" in message
    assert not (tmp_path / "nowhere").exists()
