"""A short, seeded fuzzing run: damaged copies of a tiny clip must end in a documented way.

``benchmarks/fuzz.py`` is the long run over real footage; this test uses its mutations and its
case runner (a subprocess per case, a 30 s timeout, a 2 GiB address-space limit) on 30 cases.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from tooling.synth import ShotSpec, render_clip

FUZZ_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz.py"
CASES = 30
SEED = 7


def _load_fuzz():
    spec = importlib.util.spec_from_file_location("shotdetect_fuzz_benchmark", FUZZ_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    shots = [ShotSpec(15, seed=1), ShotSpec(15, seed=2, motion=2.0), ShotSpec(15, seed=3)]
    for name in ("clip.mp4", "clip.mkv"):
        render_clip(d / name, shots, size=(128, 96), options={"preset": "ultrafast"}, gop=10)
    return [d / "clip.mp4", d / "clip.mkv"]


def test_mutations_are_seeded_and_change_the_file(clips):
    import random

    data = clips[0].read_bytes()
    for kind in fuzz.MUTATIONS:
        a = fuzz.mutate(data, random.Random(f"{SEED}:{kind}"), kind)
        b = fuzz.mutate(data, random.Random(f"{SEED}:{kind}"), kind)
        assert a == b, kind
        assert a != data, kind


def test_fuzz_cases_end_in_a_documented_way(clips):
    started = time.monotonic()
    # (--split included: a shot ffmpeg cannot cut out of a damaged file is a warning, the run succeeds)
    results = fuzz.fuzz(clips, CASES, seed=SEED, jobs=2, timeout=30, memory=2 << 30,
                        modes=("export", "slides", "split"))
    assert len(results) == CASES
    assert {r.mutation for r in results} == set(fuzz.MUTATIONS)  # every kind of damage was tried
    for r in results:
        where = f"case {r.case} ({r.clip}, {r.mutation}): {r.outcome} {r.problems}\n{r.stderr}"
        assert r.outcome != "hang", where
        assert r.returncode is not None and r.returncode >= 0, where  # no death by a signal
        assert r.returncode in (0, 3, 4), where
        assert "Traceback" not in r.stderr, where
        # exit 0: timeline.json validates against the schema; 3 and 4: exactly one error line;
        # either way no staging folder or .part file left, and no output after a failure
        assert r.good, where
    assert time.monotonic() - started < 60
