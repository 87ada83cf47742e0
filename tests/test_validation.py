"""The shared checks of inv_gym.validation: accepted values, and messages naming the name, range and value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inv_gym.validation import check_bool, check_choice, check_int, check_number, describe_range


@pytest.mark.parametrize(
    ("kwargs", "value", "expected"),
    [
        ({}, 0, 0.0),
        ({}, np.float32(2.5), 2.5),
        ({"strict": True}, "3", 3.0),
        ({"low": 0, "strict": True, "high": 1}, 1, 1.0),
        ({"low": None}, -7.5, -7.5),
        ({"cap": 10}, 10, 10.0),
    ],
)
def test_check_number_accepts(kwargs, value, expected):
    out = check_number("x", value, **kwargs)
    assert out == expected and type(out) is float


@pytest.mark.parametrize(
    ("kwargs", "value", "message"),
    [
        ({}, True, "x must be a number >= 0, got True"),
        ({}, np.bool_(False), "x must be a number >= 0, got False"),
        ({}, "abc", "x must be a number >= 0, got 'abc'"),
        ({}, None, "x must be a number >= 0, got None"),
        ({}, -1, "x must be >= 0, got -1"),
        ({"strict": True}, 0, "x must be > 0, got 0"),
        ({}, math.inf, "x must be a finite number >= 0, got inf"),
        ({"low": None}, math.nan, "x must be a finite number, got nan"),
        ({"low": 0, "strict": True, "high": 1}, 1.5, "x must be in (0, 1], got 1.5"),
        ({"low": 0, "strict": True, "high": 1e6}, math.nan, "x must be in (0, 1e6], got nan"),
        ({"low": 0, "high": 1, "high_strict": True}, 1, "x must be in [0, 1), got 1"),
        ({"cap": 1e12}, 1e308, "x must be >= 0 and <= 1e+12 (inv_gym.limits), got 1e+308"),
        ({"cap": 1e12}, math.nan, "x must be >= 0, got nan"),
        ({"cap": 5, "cap_source": "MAX_X"}, math.inf, "x must be >= 0 and <= 5 (MAX_X), got inf"),
    ],
)
def test_check_number_refuses(kwargs, value, message):
    with pytest.raises(ValueError) as info:
        check_number("x", value, **kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize(("value", "expected"), [(3, 3), (np.int64(4), 4), (5.0, 5), (10**30, 10**30)])
def test_check_int_accepts(value, expected):
    out = check_int("n", value, low=1)
    assert out == expected and type(out) is int


@pytest.mark.parametrize(
    ("kwargs", "value", "message"),
    [
        ({"low": 1}, True, "n must be an integer >= 1, got True"),
        ({"low": 1}, 0, "n must be an integer >= 1, got 0"),
        ({"low": 1}, 1.5, "n must be an integer >= 1, got 1.5"),
        ({"low": 1}, math.inf, "n must be an integer >= 1, got inf"),
        ({"low": 1}, "two", "n must be an integer >= 1, got 'two'"),
        ({"low": 1}, 10**400, "n must be an integer >= 1, got " + str(10**400)),
        ({"low": 0, "high": 3}, 4, "n must be an integer in [0, 3], got 4"),
        ({"low": 0, "cap": 1000}, 1001, "n must be an integer in [0, 1000] (inv_gym.limits), got 1001"),
        ({"low": 0, "cap": 1000}, -1, "n must be an integer >= 0, got -1"),
        ({"low": 2, "reason": "two are needed"}, 1, "n must be an integer >= 2 (two are needed), got 1"),
    ],
)
def test_check_int_refuses(kwargs, value, message):
    with pytest.raises(ValueError) as info:
        check_int("n", value, **kwargs)
    assert str(info.value) == message


def test_check_bool():
    assert check_bool("f", True) is True and check_bool("f", np.bool_(False)) is False
    assert check_bool("f", " Yes ", text=True) is True and check_bool("f", "0", text=True) is False
    for value in (1, 0, "true", None):
        with pytest.raises(ValueError, match="f must be True or False"):
            check_bool("f", value)
    for value in (2, "maybe"):
        with pytest.raises(ValueError, match="f must be true or false"):
            check_bool("f", value, text=True)


def test_check_choice():
    assert check_choice("mode", "b", ("a", "b")) == "b"
    with pytest.raises(ValueError, match="mode must be one of a, b, got 'c'"):
        check_choice("mode", "c", ("a", "b"))
    with pytest.raises(ValueError, match="mode must be one of a, b, got"):
        check_choice("mode", np.array(["a"]), ("a", "b"))


def test_describe_range():
    assert describe_range(0) == ">= 0"
    assert describe_range(0, strict=True) == "> 0"
    assert describe_range(0, 1, strict=True) == "in (0, 1]"
    assert describe_range(None, 1e-9) == "<= 1e-9"
    assert describe_range() == ""


def test_an_interval_to_inf_still_refuses_inf():
    assert check_number("x", 5, high=math.inf) == 5.0
    with pytest.raises(ValueError, match=r"x must be in \[0, inf\], got inf"):
        check_number("x", math.inf, high=math.inf)
    with pytest.raises(ValueError, match=r"x must be <= 3, got -inf"):
        check_number("x", -math.inf, low=None, high=3)
