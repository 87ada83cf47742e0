"""Every experiment configuration exposes the same mode API (:mod:`experiments.modes`)."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from experiments import concrete_mixers, epsilon_comparison, studies
from experiments.benchmark import QUICK_PATHWISE_INSTANCES, QUICK_SERIAL_INSTANCES, BenchmarkConfig, suite_instances
from experiments.modes import ModeConfig

CONFIGS = {
    **{f"study {name}": studies.load(name).Config for name in studies.STUDIES},
    "epsilon_comparison": epsilon_comparison.Config,
    "concrete_mixers": concrete_mixers.Config,
    "benchmark": BenchmarkConfig,
}
#: the modes each command offers
EXPECTED_MODES = {name: ("tiny", "quick", "default") for name in CONFIGS} | {"benchmark": ("quick", "full", "default")}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_experiment_config_has_the_same_mode_api(name: str) -> None:
    cls = CONFIGS[name]
    assert issubclass(cls, ModeConfig) and dataclasses.is_dataclass(cls)
    assert tuple(cls.MODES) == EXPECTED_MODES[name]
    assert cls.MODES["default"] == {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    assert fields["mode"].default == "default"
    defaults = cls()
    for mode, table in cls.MODES.items():
        assert set(table) <= set(fields) - {"mode"}, f"{name} {mode}: {set(table) - set(fields)}"
        cfg = cls.for_mode(mode)
        assert cfg.mode == mode
        want = {**{k: getattr(defaults, k) for k in fields if k != "mode"}, **table}
        assert {k: getattr(cfg, k) for k in fields if k != "mode"} == want
    # a caller's change wins over the mode's table
    tiny_or_quick = EXPECTED_MODES[name][0]
    field = next(iter(cls.MODES[tiny_or_quick]))
    value = getattr(cls(), field)
    assert getattr(cls.for_mode(tiny_or_quick, **{field: value}), field) == value
    with pytest.raises(ValueError, match=f"mode must be one of {', '.join(EXPECTED_MODES[name])}, got 'huge'"):
        cls.for_mode("huge")
    with pytest.raises(ValueError, match="mode must be one of"):
        cls(mode="huge")
    with pytest.raises(ValueError, match="'no_such_field' is not a field to change"):
        cls.for_mode("default", no_such_field=1)
    with pytest.raises(ValueError, match="'mode' is not a field to change"):
        cls.for_mode("default", mode="quick")


@pytest.mark.parametrize("module", [epsilon_comparison, concrete_mixers])
def test_the_commands_offer_the_config_modes(module) -> None:
    p = argparse.ArgumentParser()
    module.add_arguments(p)
    (mode,) = [a for a in p._actions if a.dest == "mode"]
    assert tuple(mode.choices) == tuple(module.Config.MODES) and mode.default == "quick"
    for name in module.Config.MODES:
        cfg = module.config_from_args(p.parse_args(["--mode", name]))
        assert cfg.mode == name and all(getattr(cfg, k) == v for k, v in module.Config.MODES[name].items())
        # progress: shown by the command, off in the library (docs/conventions.md)
        assert cfg.progress and not module.Config().progress


def test_the_study_command_shows_progress_unless_told_not_to() -> None:
    from experiments.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["study", "eoq"]).progress is True
    assert parser.parse_args(["study", "eoq", "--no-progress"]).progress is False
    assert parser.parse_args(["study", "eoq", "--progress"]).progress is True
    assert not studies.load("eoq").Config().progress


def test_the_quick_benchmark_gives_named_instances_a_pathwise_row() -> None:
    quick = BenchmarkConfig.for_mode("quick")
    assert quick.pathwise_instances == QUICK_PATHWISE_INSTANCES
    # the suite's ids and one serial chain
    assert QUICK_SERIAL_INSTANCES == ("Serial-example-6.1",)
    assert quick.instances == tuple(suite_instances()) + QUICK_SERIAL_INSTANCES
    # the quick mode's pathwise instances assume the suite's instances (MODE_DEPENDS)
    assert BenchmarkConfig.for_mode("quick", instances=("EOQ",)).pathwise_instances is None
    assert BenchmarkConfig.for_mode("quick", instances=("EOQ",), pathwise_instances=("EOQ",)).pathwise_instances == (
        "EOQ",
    )
    # the mode changes no task's fingerprint
    assert "mode" not in quick.task_settings()
    assert quick.task_settings() == BenchmarkConfig(pathwise_instances=QUICK_PATHWISE_INSTANCES).task_settings()
