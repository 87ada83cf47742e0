"""The family registry behind parse_distribution: every family and form, and every refusal it writes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from inv_gym.distributions import (
    FAMILIES,
    Deterministic,
    Family,
    Form,
    NegativeBinomial,
    Normal,
    Param,
    parse_distribution,
    register_family,
)

PLAIN = [f for f in FAMILIES.values() if f.wraps is None]
FORMS = [(f, form) for f in PLAIN for form in f.forms]


def _ids(cases):
    return [f"{f.name}-{'+'.join(p.name for p in form.params)}" for f, form in cases]


def _pairs(example: str) -> dict[str, str]:
    """``fam:a=1,b=2`` -> {'a': '1', 'b': '2'}."""
    body = example.split(":", 1)[1]
    return dict(part.split("=", 1) for part in body.split(","))


def _text(family: Family, pairs: dict[str, str]) -> str:
    return f"{family.name}:" + ",".join(f"{k}={v}" for k, v in pairs.items())


def _named(family: Family, form: Form) -> dict[str, str]:
    """The form's example with every parameter named (``poisson:5`` -> ``rate=5``)."""
    body = form.example.split(":", 1)[1]
    if "=" not in body:
        return {form.params[0].name: body}
    return _pairs(form.example)


def test_every_family_is_registered_with_examples():
    names = {f.name for f in FAMILIES.values()}
    assert names == {
        "poisson",
        "geometric",
        "negbin",
        "normal",
        "gamma",
        "lognormal",
        "uniform",
        "duniform",
        "triangular",
        "exponential",
        "deterministic",
        "empirical",
        "round",
        "renewal",
    }
    for family in FAMILIES.values():
        assert family.examples and all(ex.startswith(family.name) for ex in family.examples)


@pytest.mark.parametrize("example", [ex for f in FAMILIES.values() for ex in f.examples])
def test_every_form_round_trips_through_its_text(example):
    family = FAMILIES[example.split(":")[0].split("(")[0]]
    d = parse_distribution(example)
    assert isinstance(d, family.cls)
    again = parse_distribution(d.to_spec())
    assert type(again) is type(d)
    assert again.to_spec() == d.to_spec()
    assert again.mean == pytest.approx(d.mean, rel=1e-9)
    assert again.variance == pytest.approx(d.variance, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize(("family", "form"), FORMS, ids=_ids(FORMS))
def test_every_form_reads_its_named_parameters(family, form):
    pairs = _named(family, form)
    assert set(pairs) == {p.name for p in form.params}
    assert parse_distribution(_text(family, pairs)) == parse_distribution(form.example)


def test_the_docs_table_lists_every_family():
    text = (Path(__file__).resolve().parents[1] / "docs" / "environments.md").read_text()
    table = text.split("### Distribution text forms", 1)[1]
    for family in FAMILIES.values():
        name = f"`{family.name}(TEXT)`" if family.wraps is not None else f"| `{family.name}`"
        assert name in table
        for alias in family.aliases:
            assert f"`{alias}`" in table


def test_unknown_family_lists_every_known_one():
    with pytest.raises(ValueError) as info:
        parse_distribution("weibull:shape=2")
    message = str(info.value)
    assert "unknown distribution family 'weibull' in 'weibull:shape=2'; allowed: poisson, " in message
    for family in FAMILIES.values():
        assert family.shown in message
    assert "round(...)" in message and "renewal(...)" in message


@pytest.mark.parametrize(("family", "form"), FORMS, ids=_ids(FORMS))
def test_a_missing_parameter_is_named_with_the_forms(family, form):
    pairs = _named(family, form)
    for dropped in pairs:
        rest = {k: v for k, v in pairs.items() if k != dropped}
        text = _text(family, rest) if rest else f"{family.name}:"
        with pytest.raises(ValueError) as info:
            parse_distribution(text)
        message = str(info.value)
        assert f"{family.name}: give {family.describe_forms()}" in message
        assert form.describe() in message and repr(text) in message


@pytest.mark.parametrize(("family", "form"), FORMS, ids=_ids(FORMS))
def test_an_extra_parameter_is_named_with_the_known_ones(family, form):
    text = _text(family, {**_named(family, form), "zzz": "1"})
    with pytest.raises(ValueError) as info:
        parse_distribution(text)
    message = str(info.value)
    assert f"{family.name}: unknown parameter(s) ['zzz'] in {text!r}" in message
    for name in family.parameter_names:
        assert name in message.split("allowed: ")[1]


@pytest.mark.parametrize(("family", "form"), FORMS, ids=_ids(FORMS))
def test_a_non_number_names_the_parameter_its_range_and_the_text(family, form):
    pairs = _named(family, form)
    for param in form.params:
        text = _text(family, {**pairs, param.name: "abc"})
        with pytest.raises(ValueError) as info:
            parse_distribution(text)
        message = str(info.value)
        assert f"{family.name}: {param.name} must be" in message and "got 'abc'" in message
        assert f"(allowed: {param.allowed})" in message and message.endswith(f"in {text!r}")


@pytest.mark.parametrize(("family", "form"), FORMS, ids=_ids(FORMS))
def test_a_value_out_of_range_names_the_parameter_its_range_and_the_text(family, form):
    pairs = _named(family, form)
    for param in form.params:
        outside = []
        if param.low is not None:
            outside.append(param.low if param.strict else param.low - 1)
        if param.high is not None:
            outside.append(param.high + 1)
        outside.append(math.inf)
        for value in outside:
            text = _text(family, {**pairs, param.name: f"{value:g}"})
            with pytest.raises(ValueError) as info:
                parse_distribution(text)
            message = str(info.value)
            assert f"{family.label} {param.name} must be" in message, message
            assert message.endswith(f"in {text!r}")


def test_ranges_in_messages():
    with pytest.raises(
        ValueError, match=r"uniform scv must be in \(0, 0.333333\], got 0.5 in 'uniform:mean=5,scv=0.5'"
    ):
        parse_distribution("uniform:mean=5,scv=0.5")
    with pytest.raises(ValueError, match=r"normal: mean must be a number, got 'abc' \(allowed: a number >= 0\)"):
        parse_distribution("normal:mean=abc,sd=1")
    with pytest.raises(ValueError, match="duniform: high must be an integer"):
        parse_distribution("duniform:low=1,high=x")


def test_aliases_and_a_repeated_parameter():
    assert parse_distribution("constant:3") == Deterministic(3.0)
    assert parse_distribution("nbinom:n=3,p=0.4") == NegativeBinomial(3.0, 0.4)
    assert parse_distribution("NORMAL:Mu=100,Sigma=20") == Normal(100.0, 20.0)
    assert (
        parse_distribution("poisson:mean=4") == parse_distribution("poisson:rate=4") == parse_distribution("poisson:4")
    )
    with pytest.raises(ValueError, match=r"normal: mean is given twice \(mean and mu\)"):
        parse_distribution("normal:mean=1,mu=2,sd=1")
    with pytest.raises(ValueError, match=r"poisson: rate is given twice \(mean and rate\)"):
        parse_distribution("poisson:mean=1,rate=2")


def test_wrapper_families():
    assert parse_distribution("round(normal:mean=10,sd=2)").to_spec() == "round(normal:mean=10,sd=2)"
    with pytest.raises(ValueError, match=r"round wraps a distribution: write round\(TEXT\)"):
        parse_distribution("round:5")
    with pytest.raises(ValueError, match=r"in 'renewal\(renewal\(exponential:mean=1\)\)'"):
        parse_distribution("renewal(renewal(exponential:mean=1))")


def test_registering_a_family(monkeypatch):
    with pytest.raises(ValueError, match="'poisson' is already registered"):
        register_family(Family("poisson", Deterministic, forms=(Form((Param("value"),), Deterministic, "x:1"),)))
    with pytest.raises(ValueError, match="'a' names two parameters"):
        Family(
            "two",
            Deterministic,
            forms=(
                Form((Param("value", aliases=("a",)),), Deterministic, "two:value=1"),
                Form((Param("other", aliases=("a",)),), Deterministic, "two:other=1"),
            ),
        )
    with pytest.raises(ValueError, match="give forms, or wraps"):
        Family("none", Deterministic)
    point = Family(
        "point", Deterministic, forms=(Form((Param("at", low=2, high=9),), lambda at: Deterministic(at), "point:3"),)
    )
    monkeypatch.setitem(FAMILIES, "point", point)
    count = Family(
        "count",
        Deterministic,
        forms=(
            Form((Param("k", kind="integer", low=0, strict=True, high=5),), lambda k: Deterministic(k), "count:k=2"),
        ),
    )
    monkeypatch.setitem(FAMILIES, "count", count)
    assert parse_distribution("count:k=5") == Deterministic(5.0)
    for bad in ("0", "6", "2.5"):
        with pytest.raises(ValueError, match=rf"count k must be an integer in \[1, 5\], got {bad} in 'count:k={bad}'"):
            parse_distribution(f"count:k={bad}")
    assert parse_distribution("point:at=4") == Deterministic(4.0)
    with pytest.raises(ValueError, match=r"point at must be in \[2, 9\], got 1 in 'point:at=1'"):
        parse_distribution("point:at=1")
