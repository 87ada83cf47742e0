"""Bandit algorithms and policy arms (agents.bandit)."""

import numpy as np
import pytest

from agents.bandit import (
    UCB1,
    EpsilonGreedy,
    PolicyArms,
    ThompsonSampling,
    exponential_decay,
    inverse_time,
    parse_epsilon,
    run_bandit,
)
from inv_gym.presets import preset_params

MEANS = np.array([0.0, 1.0, 3.0, 0.5])  # arm 2 is best, well separated


def _play(bandit, steps: int, seed: int = 0, sd: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        a = bandit.select()
        bandit.update(a, MEANS[a] + sd * rng.standard_normal(np.shape(a)))
    return bandit.counts


def test_epsilon_zero_is_greedy() -> None:
    b = EpsilonGreedy(4, epsilon=0.0, seed=3)
    for arm, r in enumerate([1.0, 5.0, 2.0, 0.0]):
        b.update(arm, r)
    assert all(b.select() == 1 for _ in range(50))
    # batched: every run exploits its own best estimate
    bb = EpsilonGreedy(3, epsilon=0.0, runs=4, seed=3)
    bb.update(np.array([0, 1, 2, 0]), np.array([1.0, 1.0, 1.0, -1.0]))
    picks = bb.select()
    assert picks[0] == 0 and picks[1] == 1 and picks[2] == 2
    assert picks[3] in (1, 2)  # arm 0 is worse than the untried arms' initial 0


def test_greedy_ties_are_broken_at_random() -> None:
    b = EpsilonGreedy(5, epsilon=0.0, seed=0)
    seen = {b.select() for _ in range(200)}
    assert seen == set(range(5))


def test_sample_average_updates_are_exact() -> None:
    rng = np.random.default_rng(1)
    b = EpsilonGreedy(3, epsilon=0.3, initial=100.0, seed=2)  # optimistic start, washed out by the first pull
    rewards: dict[int, list[float]] = {0: [], 1: [], 2: []}
    for _ in range(300):
        a = b.select()
        r = float(rng.normal(a, 2.0))
        b.update(a, r)
        rewards[a].append(r)
    for a in range(3):
        assert b.counts[a] == len(rewards[a])
        assert b.estimates[a] == pytest.approx(np.mean(rewards[a]), rel=1e-12, abs=1e-12)


def test_constant_step_size_and_optimistic_initial_values() -> None:
    b = EpsilonGreedy(2, epsilon=0.0, initial=10.0, step_size=0.5, seed=0)
    b.update(0, 2.0)
    assert b.estimates.tolist() == [6.0, 10.0]  # 10 + 0.5 (2 - 10)
    b.update(0, 2.0)
    assert b.estimates[0] == 4.0
    assert b.select() == 1  # the optimistic untried arm


def test_epsilon_schedules() -> None:
    t = np.array([1, 2, 4, 10])
    assert inverse_time()(t).tolist() == [1.0, 0.5, 0.25, 0.1]
    np.testing.assert_allclose(exponential_decay(1.0, 0.5, 0.1)(t), [1.0, 0.5, 0.125, 0.1])
    assert parse_epsilon("0.05") == 0.05
    assert parse_epsilon("1/t") == inverse_time(1.0)
    assert parse_epsilon("exp:0.99") == exponential_decay(rate=0.99)
    with pytest.raises(ValueError, match="epsilon"):
        parse_epsilon("1.5")
    b = EpsilonGreedy(3, epsilon=inverse_time(), runs=2, seed=0)
    assert b.epsilons().tolist() == [1.0, 1.0]
    b.update(np.array([0, 1]), np.array([1.0, 1.0]))
    assert b.epsilons().tolist() == [0.5, 0.5]


def test_seeded_runs_reproduce() -> None:
    for make in (
        lambda: EpsilonGreedy(4, 0.2, runs=5, seed=11),
        lambda: UCB1(4, c="auto", runs=5, seed=11),
        lambda: ThompsonSampling(4, runs=5, seed=11),
    ):
        a, b = make(), make()
        np.testing.assert_array_equal(_play(a, 60, seed=4), _play(b, 60, seed=4))
        np.testing.assert_array_equal(a.estimates, b.estimates)
    c = EpsilonGreedy(4, 0.2, runs=5, seed=12)
    assert not np.array_equal(_play(EpsilonGreedy(4, 0.2, runs=5, seed=11), 60, seed=4), _play(c, 60, seed=4))


@pytest.mark.parametrize(
    "make", [lambda: UCB1(4, runs=20, seed=5), lambda: ThompsonSampling(4, noise_sd=1.0, runs=20, seed=5)]
)
def test_ucb1_and_thompson_find_the_best_arm(make) -> None:
    counts = _play(make(), 400, seed=6)
    assert np.all(counts.argmax(axis=1) == 2)
    assert counts[:, 2].mean() > 0.8 * 400


def test_thompson_auto_noise_and_prior() -> None:
    b = ThompsonSampling(4, prior_mean=0.0, prior_sd=10.0, runs=10, seed=1)
    counts = _play(b, 300, seed=2)
    assert np.all(counts.argmax(axis=1) == 2)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="epsilon"):
        EpsilonGreedy(3, epsilon=-0.1)
    with pytest.raises(ValueError, match="step_size"):
        EpsilonGreedy(3, step_size=0.0)
    with pytest.raises(ValueError, match="n_arms"):
        UCB1(0)
    with pytest.raises(ValueError, match="arm"):
        EpsilonGreedy(3).update(3, 1.0)


def test_policy_arms_grid_and_batch() -> None:
    arms = PolicyArms("ss", "s=0:20:10,S=5 15 25")
    assert arms.n_arms == 6  # pairs with S <= s dropped
    assert arms.arm(arms.index(s=10, S=25)) == {"family": "ss", "s": 10, "S": 25}
    pol = arms.batch(np.array([0, 5, 5]))
    assert pol.describe() == {"family": "ss", "s": [0.0, 20.0, 20.0], "S": [5.0, 25.0, 25.0]}
    per = PolicyArms("periodic", "T=1:10,S=11,basis=on_hand")
    assert per.arm(3) == {"family": "periodic", "T": 4, "S": 11, "basis": "on_hand"}
    listed = PolicyArms("rq", [{"r": 3, "Q": 20}, {"r": 6, "Q": 30}])
    assert listed.arm(1) == {"family": "rq", "r": 6, "Q": 30}
    with pytest.raises(ValueError, match="family"):
        PolicyArms("nope", "S=1")
    with pytest.raises(ValueError, match="needs"):
        PolicyArms("rq", "r=1:3")
    with pytest.raises(ValueError, match="S must be > s"):
        PolicyArms("ss", [{"s": 5, "S": 5}])


def test_run_bandit_batched_episodes() -> None:
    params = preset_params("inv_gym/ConcreteMixers-v0")
    arms = PolicyArms("periodic", "T=1 3 10,S=11")
    res = run_bandit(arms, EpsilonGreedy(3, 0.1, runs=6, seed=1), params, iterations=20, seed=2)
    assert res.choices.shape == (20, 6) and not res.per_period
    assert res.counts.sum() == 120
    again = run_bandit(arms, EpsilonGreedy(3, 0.1, runs=6, seed=1), params, iterations=20, seed=2)
    np.testing.assert_array_equal(res.rewards, again.rewards)
    # a pull's reward is minus the episode cost of that arm on that iteration's demand
    from inv_gym.envs.streams import draw_paths
    from inv_gym.evaluation import simulate

    child = np.random.SeedSequence(2).spawn(20)[0]
    d, lt = draw_paths(params, child, 6, 25)
    sums = simulate(arms.batch(res.choices[0]), params, d, lt)
    np.testing.assert_allclose(res.rewards[0], -sums["cost"])
    # crn: every run sees the same path, so runs pulling the same arm get the same reward
    crn = run_bandit(arms, EpsilonGreedy(3, 1.0, runs=6, seed=1), params, iterations=5, seed=2, crn=True)
    for i in range(5):
        for a in range(3):
            r = crn.rewards[i][crn.choices[i] == a]
            assert np.all(r == r[:1])


def test_the_package_exports_every_name_of_its_modules() -> None:
    import agents.bandit as bandit
    from agents.bandit import algorithms, arms, run

    modules = {m.__name__ for m in (algorithms, arms, run)}
    for name in bandit.__all__:
        obj = getattr(bandit, name)
        assert getattr(obj, "__module__", arms.__name__) in modules, name
    assert bandit.ARM_FAMILIES is arms.ARM_FAMILIES
    assert set(arms.__all__) | set(run.__all__) <= set(bandit.__all__)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: EpsilonGreedy(True), "n_arms must be an integer >= 1, got True"),
        (lambda: EpsilonGreedy(3, runs=0), "runs must be an integer >= 1 (or None), got 0"),
        (lambda: EpsilonGreedy(3, initial=float("nan")), "initial must be a finite number, got nan"),
        (lambda: EpsilonGreedy(3, step_size=2), "step_size must be in (0, 1], got 2"),
        (lambda: inverse_time(0), "scale must be > 0, got 0"),
        (lambda: exponential_decay(rate=1.5), "rate must be in (0, 1], got 1.5"),
    ],
)
def test_bad_settings_are_named(build, message) -> None:
    with pytest.raises(ValueError) as info:
        build()
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(iterations="x"), "iterations must be an integer >= 1, got 'x'"),
        (dict(iterations=2, horizon=2.5), "horizon must be an integer >= 1, got 2.5"),
        (dict(iterations=2, warmup=-1), "warmup must be an integer >= 0, got -1"),
    ],
)
def test_bad_run_settings_are_named(kwargs, message) -> None:
    arms = PolicyArms("base_stock", "S=5:7")
    with pytest.raises(ValueError) as info:
        run_bandit(arms, EpsilonGreedy(3, runs=2), preset_params("inv_gym/LostSales-v0"), **kwargs)
    assert message in str(info.value)
