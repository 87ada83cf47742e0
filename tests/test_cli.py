"""The evaluate, search and plot subcommands: JSON keys, files, and clean errors (exit 2)."""

import json
import subprocess
import sys

import pytest

from experiments.cli import main

METRIC_KEYS = ["cost_per_period", "cost_per_episode", "fill_rate", "cycle_service_level", "average_on_hand"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], capture_output=True, text=True, timeout=120)


def test_evaluate_json_subprocess() -> None:
    out = run_cli("evaluate", "inv_gym/Qr-v0", "--policy", "ss:s=6,S=40", "--reps", "20", "--horizon", "100", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in [*METRIC_KEYS, "average_backorders", "lost_units", "orders_placed", "units_ordered"]:
        assert set(data[key]) == {"mean", "ci_low", "ci_high"}
        assert data[key]["ci_low"] <= data[key]["mean"] <= data[key]["ci_high"]
    assert 0 < data["fill_rate"]["mean"] <= 1


@pytest.mark.parametrize(
    "args",
    [
        ("evaluate", "inv_gym/Qr-v0", "--policy", "ss:s=5,S=3"),
        ("evaluate", "inv_gym/Qr-v0", "--policy", "foo:x=1"),
        ("search", "inv_gym/Qr-v0", "--family", "ss", "--grid", "s=0:4,S=1:8,Q=3"),
        ("plot", "trajectory", "inv_gym/Qr-v0", "--policy", "base_stock:S=-4", "--out", "x.png"),
    ],
)
def test_bad_specs_exit_2_without_traceback(args: tuple[str, ...]) -> None:
    out = run_cli(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evaluate", "Qr", "--policy", "ss:s=1,S=5,x=2"], "unknown parameter 'x'"),
        (["evaluate", "Qr", "--policy", "rq:r=-1,Q=5"], "r must be >= 0"),
        (["evaluate", "Qr", "--policy", "ss:s=6,S=40", "--set", "holding_cost=-1"], "holding_cost must be >= 0"),
        (["evaluate", "Nope", "--policy", "ss:s=6,S=40"], "unknown env id"),
        (["search", "Qr", "--family", "myopic", "--grid", "S=1"], "has no grid"),
        (["search", "Qr", "--family", "ss", "--grid", "s=5:9,S=1:5"], "no valid 'ss' policy"),
        (["search", "Qr", "--family", "base_stock", "--grid", "S=0:1e12"], "grid range for S has"),
        (["evaluate", "Qr", "--policy", "ss:s=6,S=40", "--seed", "-1"], "--seed must be an integer >= 0, got -1"),
        (["search", "Qr", "--family", "base_stock", "--grid", "S=5:9", "--seed", "-3"], "--seed must be"),
        (["bandit", "Qr", "--family", "base_stock", "--grid", "S=5:9", "--seed", "-1"], "--seed must be"),
        (["evaluate", "Qr", "--policy", "ss:s=6,S=40", "--set", "lead_time=1.5"], "lead_time must be an integer"),
        (["bandit", "Qr", "--family", "base_stock", "--grid", "S=5:9", "--epsilon", "exp:0"], "epsilon schedule"),
        (["study", "eoq", "--tiny", "--jobs", "0"], "--jobs must be >= 1"),
        (["evaluate", "Qr", "--policy", "ss:s=5,,S=7"], "empty parameter in 'ss' spec"),
    ],
)
def test_bad_input_in_process(args: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_evaluate_table_and_csv(tmp_path, capsys: pytest.CaptureFixture) -> None:
    csv = tmp_path / "reps.csv"
    assert (
        main(
            [
                "evaluate",
                "BaseStock",
                "--policy",
                "base_stock:S=17",
                "--reps",
                "5",
                "--horizon",
                "50",
                "--csv",
                str(csv),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "cost_per_period" in out and "fill_rate" in out
    assert csv.read_text().splitlines()[0].startswith("replication,cost_per_period")


def test_search_json_and_out(tmp_path, capsys: pytest.CaptureFixture) -> None:
    args = ["search", "inv_gym/Qr-v0", "--family", "ss", "--grid", "s=4:8:2,S=30:50:10", "--reps", "10"]
    args += ["--horizon", "100", "--min-fill-rate", "0.9", "--top", "3", "--json", "--out", str(tmp_path)]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["grid_size"] == 9 and len(data["top"]) == 3 and data["best"]["spec"].startswith("ss:")
    assert {"cost_per_period", "cost_per_period_ci_low", "cost_per_period_ci_high", "fill_rate"} <= set(data["top"][0])
    assert data["frontier"] and data["env_id"] == "inv_gym/Qr-v0"
    for name in ("table.csv", "frontier.csv", "search.json", "frontier.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert main(args[:-3]) == 0  # the readable table
    assert "best: ss:" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["trajectory", "distribution"])
def test_plot_writes_png(kind: str, tmp_path, capsys: pytest.CaptureFixture) -> None:
    png = tmp_path / f"{kind}.png"
    args = ["plot", kind, "inv_gym/Qr-v0", "--policy", "ss:s=6,S=40", "--out", str(png)]
    assert main([*args, "--periods", "30", "--reps", "20", "--horizon", "50"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args",
    [
        ("plot", "trajectory", "Qr", "--policy", "ss:s=6,S=40", "--out", "{bad}/x.png"),
        ("evaluate", "Qr", "--policy", "ss:s=6,S=40", "--reps", "2", "--horizon", "5", "--csv", "{bad}/x.csv"),
    ],
)
def test_unwritable_output_is_one_line_exit_2(tmp_path, args: tuple[str, ...], capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, so no folder can be made under it")
    argv = [a.format(bad=blocker) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0] and str(blocker) in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args,message",
    [
        (["evaluate", "Qr", "--policy", "ss:s=6,S=40", "--reps", "1"], "--reps: must be an integer >= 2"),
        (["evaluate", "Qr", "--policy", "ss:s=6,S=40", "--reps", "abc"], "--reps: must be an integer >= 2, got 'abc'"),
        (["evaluate", "Qr"], "the following arguments are required: --policy"),
        (["bogus"], "invalid choice: 'bogus'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "--help" in err
    assert len(err.strip().splitlines()) == 1, err


def test_search_json_prints_whole_policy_parameters_as_integers(capsys: pytest.CaptureFixture) -> None:
    args = [
        "search",
        "BaseStock",
        "--family",
        "base_stock",
        "--grid",
        "S=18:20",
        "--reps",
        "5",
        "--horizon",
        "50",
        "--json",
    ]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data["best"]["S"], int) and all(isinstance(r["S"], int) for r in data["top"])
