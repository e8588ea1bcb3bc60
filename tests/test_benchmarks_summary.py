"""benchmarks.run_all: the issue-17 summary lists every goal as met, missed or not measured.

Also checks that the results JSON's machine record carries the CPU's ISA flags, torch's
CPU capability and, when the native library loads, which ISA clone it runs.
"""

from __future__ import annotations

from benchmarks.common import Goal
from benchmarks.run_all import ISSUE_GOALS, issue_lines, issue_summary
from tslib.runner.fast import recurrent_library
from tslib.timing import ISA_FLAGS, machine_info


def test_every_issue_goal_is_listed_with_its_status():
    scaling = {
        "goals": [
            Goal("x at 4096", 1.4, 1.5, False, before=1.7, issue="17.3").as_dict(),
            Goal("older goal", 9.0, 1.0, False).as_dict(),  # untagged: an earlier issue
        ]
    }
    overhead = {"goals": [Goal("batch 1", 0.35, 0.3, False, before=0.8, issue="17.3").as_dict()]}
    transformer = {"goals": [Goal("step us", 40.0, 60.0, False).as_dict()]}  # untagged: 17.1
    sections = {"scaling": scaling, "overhead": overhead, "transformer": transformer}
    sections["compression"] = {"title": "compression", "error": "RuntimeError('boom')"}
    summary = {item["number"]: item for item in issue_summary(sections, device="cpu")}
    assert list(summary) == list(ISSUE_GOALS)
    assert summary["17.1"]["status"] == "met"
    assert summary["17.2"]["status"] == "not measured" and "boom" in summary["17.2"]["why"]
    assert summary["17.3"]["status"] == "missed"  # one of its two goals is missed
    assert [g["name"] for g in summary["17.3"]["goals"]] == ["x at 4096", "batch 1"]
    assert summary["17.4"]["status"] == "not measured"
    assert "no GPU" in summary["17.5"]["why"]
    text = "\n".join(issue_lines(list(summary.values()), {"cpu": "test cpu"}))
    assert "MISSED batch 1: 0.35 (goal <= 0.3); before: 0.8" in text
    assert "17.5 GPU, whenever one is available: not measured (no GPU" in text


def test_machine_info_records_isa_flags_and_torch_capability():
    info = machine_info("cpu")
    assert info["torch_cpu_capability"]  # e.g. "AVX512", "AVX2", "DEFAULT"
    flags = info["cpu_flags"]
    assert flags is None or set(flags) <= set(ISA_FLAGS)
    with open("/proc/cpuinfo") as handle:
        cpuinfo = handle.read()
    if flags is not None and " avx2 " in cpuinfo.replace("\n", " "):
        assert "avx2" in flags


def test_native_library_names_its_isa_clone():
    library = recurrent_library.load_native()
    if library is None:
        return  # no native library here: nothing to describe (the run records None)
    described = library.describe()
    assert described["isa_clone"] in {"avx512f", "avx2", "x86-64 baseline", "one build (no clones)"}
    with open("/proc/cpuinfo") as handle:
        has_avx512 = " avx512f " in handle.read().replace("\n", " ")
    if "-DTSLIB_CLONES" in described["flags"]:
        assert (described["isa_clone"] == "avx512f") == has_avx512
