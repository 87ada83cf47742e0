"""The app's input widgets: the model, its distributions, the policy and the run settings.

Every editor draws all of its widgets first and validates afterwards with the
suite's own parsers (:func:`inv_gym.presets.preset_params`,
:func:`inv_gym.distributions.parse_distribution`, :func:`agents.specs.parse_policy`),
whose ``ValueError`` names the field and its allowed range. The message is
shown inline under the editor (``st.error``) and the editor returns None; no
other widget is skipped, so no other field loses its value (Streamlit forgets
the state of widgets a run does not draw).

Widget keys are ``"<page>.<field>"`` (``"<page>.<env id>.<field>"`` for the
model's parameters, so each env keeps its own edits); the tests set widgets by
these keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from agents.specs import FAMILIES, parse_policy
from agents.specs import family as get_family
from experiments.app.core import OPTIMUM, Overrides, build_params, check_run_settings, overrides_of
from inv_gym.distributions import Distribution, parse_distribution
from inv_gym.params import InventoryParams
from inv_gym.presets import ENV_IDS, preset_params

__all__ = [
    "attempt",
    "number_text",
    "env_picker",
    "page_start",
    "distribution_editor",
    "model_editor",
    "grid_picker",
    "DEFAULT_GRIDS",
    "policy_picker",
    "run_settings",
    "DIST_FORMS",
]

T = TypeVar("T")

#: The parameters of each distribution family's form, in the order of its text form.
DIST_FORMS: dict[str, tuple[str, ...]] = {
    "poisson": ("mean",),
    "geometric": ("mean",),
    "negbin": ("mean", "scv"),
    "normal": ("mean", "sd"),
    "gamma": ("mean", "scv"),
    "lognormal": ("mean", "scv"),
    "uniform": ("low", "high"),
    "duniform": ("low", "high"),
    "triangular": ("low", "high"),
    "exponential": ("mean",),
    "deterministic": ("value",),
    "empirical": ("values", "probs"),
}

#: Starting value of a form parameter when the family is switched.
_FORM_DEFAULTS: dict[str, Any] = {
    "mean": 5.0,
    "scv": 0.5,
    "sd": 1.0,
    "low": 0.0,
    "high": 10.0,
    "value": 5.0,
    "values": "0 1 2 3 4",
    "probs": "0.1 0.25 0.35 0.21 0.09",
}

#: Starting parameters of each policy family's form.
POLICY_DEFAULTS: dict[str, dict[str, float]] = {
    "base_stock": {"S": 20},
    "capped_base_stock": {"S": 20, "cap": 10},
    "ss": {"s": 6, "S": 40},
    "rq": {"r": 6, "Q": 34},
    "periodic": {"T": 2, "S": 30},
    "constant": {"q": 5},
}

#: Starting grid of each searchable family (Optimise, Bandits).
DEFAULT_GRIDS: dict[str, str] = {
    "ss": "s=0:12:2,S=30:50:2",
    "rq": "r=0:12:2,Q=20:45:5",
    "base_stock": "S=0:40",
    "capped_base_stock": "S=5:20,cap=2:12",
    "periodic": "T=1:6,S=10:60:5",
    "constant": "q=0:20",
}

#: The policy picker's choices besides the families: the optimum and a free spec.
SPEC_TEXT = "spec (text)"

#: Fields edited as a choice (the others by their declared type: a tick box, a whole or real
#: number, or a text box when the field may be None: "none" or a number)
_CHOICES = {"stockout": ("backorder", "lost_sales"), "issuing": ("fifo", "lifo")}
_TYPES = {f.name: str(f.type) for f in fields(InventoryParams) if f.init}


def attempt(where: Any, make: Callable[[], T], field: str | None = None) -> T | None:
    """``make()``, or None after showing its ``ValueError`` inline (``st.error``) in ``where``.

    ``field`` prefixes the message when the suite's message names only a part of
    the field (``demand: poisson rate must be >= 0, got -2``).
    """
    try:
        return make()
    except ValueError as exc:
        where.error(f"{field}: {exc}" if field else str(exc))
        return None


def number_text(x: float) -> str:
    """A number as it reads in a text form: ``5``, ``0.25``, ``1e-06``."""
    x = float(x)
    return str(int(x)) if x.is_integer() else np.format_float_positional(x, trim="-")


def env_picker(page: str, default: str = "inv_gym/Qr-v0") -> str:
    """A select box of the registered ids."""
    ids = list(ENV_IDS)
    return st.selectbox("Model (registered id)", ids, index=ids.index(default), key=f"{page}.env")


def page_start(
    page: str, title: str, caption: str, *, default: str = "inv_gym/Qr-v0", expanded: bool = False
) -> tuple[Any, Any, str, Overrides, InventoryParams | None]:
    """A page's title and two columns; the model's id and parameters in the left one.

    Returns:
        ``(left, right, env_id, overrides, params)``: the columns (the inputs go on
        in ``left``, the results in ``right``) and :func:`model_editor`'s answer.
    """
    st.title(title)
    st.caption(caption)
    left, right = st.columns([2, 3], gap="large")
    with left:
        env_id = env_picker(page, default)
        with st.expander("Model parameters", expanded=expanded):
            overrides, params = model_editor(page, env_id)
    return left, right, env_id, overrides, params


def _form_values(dist: Distribution) -> tuple[bool, str, dict[str, Any]]:
    """(rounded, family, form values) of a distribution's text form."""
    spec = dist.to_spec()
    rounded = spec.lower().startswith("round(")
    if rounded:
        spec = spec[len("round(") : -1]
    fam, _, body = spec.partition(":")
    fam = fam.strip().lower()
    values: dict[str, Any] = {}
    if body and "=" not in body:
        values[DIST_FORMS.get(fam, ("mean",))[0]] = body
    else:
        for item in filter(None, body.split(",")):
            k, _, v = item.partition("=")
            values[k.strip()] = v.strip()
    return rounded, fam, values


def distribution_editor(label: str, key: str, default: Distribution) -> Distribution | None:
    """A form for a distribution (family and its parameters) or its text form; the text form is shown.

    Returns:
        The parsed distribution, or None after an inline error.
    """
    rounded0, fam0, values0 = _form_values(default)
    formable = fam0 in DIST_FORMS and not default.to_spec().lower().startswith("renewal(")
    mode = st.radio(
        f"{label}: edit as", ("form", "text"), index=0 if formable else 1, horizontal=True, key=f"{key}.mode"
    )
    if mode == "text":
        text = st.text_input(f"{label} (text form)", value=default.to_spec(), key=f"{key}.text")
    else:
        fams = list(DIST_FORMS)
        fam = st.selectbox(f"{label}: family", fams, index=fams.index(fam0) if formable else 0, key=f"{key}.family")
        names = DIST_FORMS[fam] if fam != fam0 else tuple(values0) or DIST_FORMS[fam]
        cols = st.columns(len(names) + 1)
        parts = []
        for col, name in zip(cols, names):
            start = values0.get(name, _FORM_DEFAULTS.get(name, 1.0)) if fam == fam0 else _FORM_DEFAULTS.get(name, 1.0)
            if name in ("values", "probs"):
                v = col.text_input(name, value=str(start), key=f"{key}.{fam}.{name}")
                parts.append(f"{name}={v}")
            else:
                v = col.number_input(name, value=float(start), key=f"{key}.{fam}.{name}", format="%g")
                parts.append(f"{name}={number_text(v)}")
        rnd = cols[-1].checkbox("round", value=rounded0, key=f"{key}.round", help="integer units: round(...)")
        text = f"{fam}:{','.join(parts)}"
        text = f"round({text})" if rnd else text
    dist = attempt(st, lambda: parse_distribution(text), field=label)
    if dist is not None:
        st.caption(f"{label} text form: `{dist.to_spec()}`")
    return dist


def model_editor(page: str, env_id: str, skip: tuple[str, ...] = ()) -> tuple[Overrides, InventoryParams | None]:
    """Every parameter of ``env_id`` (defaults: its preset); the overrides and the validated parameters.

    Returns:
        ``(overrides, params)``: the changed fields as sorted ``(name, value)``
        pairs, and the parameters (None after an inline error).
    """
    base = preset_params(env_id)
    key = f"{page}.{env_id}"
    values: dict[str, Any] = {}
    dist = distribution_editor("demand", f"{key}.demand", base.demand)
    if dist is not None:
        values["demand"] = dist.to_spec()
    random_lead = base.random_lead_time
    kind = st.radio("lead time", ("fixed", "random"), index=int(random_lead), horizontal=True, key=f"{key}.lead_kind")
    if kind == "fixed":
        values["lead_time"] = st.number_input(
            "lead_time (periods)", value=0 if random_lead else int(base.lead_time), step=1, key=f"{key}.lead_time"
        )
    else:
        default = base.lead_time if random_lead else parse_distribution("duniform:low=1,high=4")
        lead = distribution_editor("lead_time", f"{key}.lead_dist", default)
        if lead is not None:
            values["lead_time"] = lead.to_spec()
    cols = st.columns(3)
    i = 0
    for name, current in base.to_dict().items():
        if name in ("demand", "lead_time") or name in skip:
            continue
        col = cols[i % 3]
        i += 1
        kind = _TYPES.get(name, "float")
        if name in _CHOICES:
            values[name] = col.selectbox(name, _CHOICES[name], index=_CHOICES[name].index(current), key=f"{key}.{name}")
        elif kind == "bool":
            values[name] = col.checkbox(name, value=bool(current), key=f"{key}.{name}")
        elif "None" in kind:
            text = col.text_input(name, value="none" if current is None else number_text(current), key=f"{key}.{name}")
            values[name] = None if text.strip().lower() in ("", "none") else _number(text)
        elif kind == "int":
            values[name] = col.number_input(name, value=int(current), step=1, key=f"{key}.{name}")
        elif kind == "str":
            values[name] = col.text_input(name, value=str(current), key=f"{key}.{name}")
        else:
            values[name] = col.number_input(name, value=float(current), key=f"{key}.{name}", format="%g")
    if dist is None or "lead_time" not in values:
        return (), None
    params = attempt(st, lambda: build_params(env_id, values))
    return ((), None) if params is None else (overrides_of(env_id, params), params)


def _number(text: str) -> int | float | str:
    """A number from text (an int when whole), or the text itself (the parameters' validation names the field)."""
    try:
        x = float(text)
    except ValueError:
        return text.strip()
    return int(x) if x.is_integer() else x


def grid_picker(
    page: str, families: Any, label: str, make: Callable[[str, str], T], defaults: dict[str, str] | None = None
) -> tuple[str, str, T | None]:
    """A policy family and a grid of its parameters, read by ``make(family, grid)``.

    Returns:
        ``(family, grid text, make's answer)``; the answer is None after an inline error.
    """
    fams = list(families)
    family = st.selectbox("policy family", fams, index=fams.index("ss"), key=f"{page}.family")
    start = {**DEFAULT_GRIDS, **(defaults or {})}[family]
    grid = st.text_input(label, value=start, key=f"{page}.grid.{family}")
    return family, grid, attempt(st, lambda: make(family, grid))


def policy_picker(page: str, *, optimum: bool = True, default: str = "ss") -> str | None:
    """A policy family and its parameters (or the exact optimum, or a spec in text); the spec shown.

    Returns:
        The policy spec (``ss:s=6,S=40``) or :data:`~experiments.app.core.OPTIMUM`,
        or None after an inline error.
    """
    choices = ([OPTIMUM] if optimum else []) + [*FAMILIES, SPEC_TEXT]
    fam = st.selectbox("Policy", choices, index=choices.index(default), key=f"{page}.policy")
    if fam == OPTIMUM:
        st.caption("the exact optimum of `solve` (newsvendor, base stock, Zheng-Federgruen (s,S) or DP)")
        return OPTIMUM
    if fam == SPEC_TEXT:
        spec = st.text_input("policy spec", value="scheduled:plan=0 10;5 8", key=f"{page}.spec")
    else:
        names = get_family(fam).names
        parts = []
        if names:
            cols = st.columns(len(names))
            for col, name in zip(cols, names):
                start = POLICY_DEFAULTS.get(fam, {}).get(name, 1)
                v = col.number_input(name, value=float(start), key=f"{page}.{fam}.{name}", format="%g")
                parts.append(f"{name}={number_text(v)}")
        spec = f"{fam}:{','.join(parts)}" if parts else fam
    pol = attempt(st, lambda: parse_policy(spec), field="policy")
    if pol is None:
        return None
    st.caption(f"policy spec: `{spec}`")
    return spec.strip()


def run_settings(
    page: str, params: InventoryParams | None, *, reps: int = 100, horizon: int = 1000, warmup: int = 0, seed: int = 0
) -> tuple[int, int, int, int] | None:
    """Replications, horizon, warm-up and seed; validated against the model (None after an inline error).

    A finite-horizon model's horizon is its own (the fields are then fixed).
    """
    finite = params is not None and params.finite_horizon
    if finite:
        horizon, warmup = params.horizon, 0
    cols = st.columns(4)
    r = cols[0].number_input("reps", value=reps, step=1, key=f"{page}.reps")
    fixed = ".finite" if finite else ""  # a finite-horizon model's own horizon, shown in its own widgets
    h = cols[1].number_input("horizon", value=horizon, step=1, key=f"{page}.horizon{fixed}", disabled=finite)
    w = cols[2].number_input("warmup", value=warmup, step=1, key=f"{page}.warmup{fixed}", disabled=finite)
    s = cols[3].number_input("seed", value=seed, step=1, key=f"{page}.seed")
    if params is None:
        return None
    if finite:
        h, w = params.horizon, 0
    return attempt(st, lambda: check_run_settings(params, r, h, w, s))
