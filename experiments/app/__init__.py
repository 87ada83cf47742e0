"""The inventory digital twin: a Streamlit app over the whole suite (``inv-gym app``).

Pages (``experiments/app/views/``), each built on the suite's own functions:

* **Twin**: one model and one policy; every metric with its 95% CI
  (:func:`inv_gym.evaluation.evaluate`), the trajectory
  (:func:`inv_gym.evaluation.trajectory`), the cost per episode, a CSV download.
* **Scenarios**: the baseline against more demand, a lead-time disruption and a
  custom change, on common random numbers.
* **Optimise**: :func:`agents.search.grid_search` under a fill-rate floor, the
  frontier (:func:`agents.search.pareto_frontier`) and the exact optimum
  (:func:`inv_gym.analytic.solve.solve`).
* **Bandits**: epsilon-greedy, UCB1 and Thompson sampling over a grid of
  policies (:func:`agents.bandit.run_bandit`), drawn as they run.
* **Learned vs classical**: a benchmark output folder's table and plots, and a
  policy scored on a named instance (:func:`inv_gym.score`).

Install with ``pip install -e ".[app]"``; ``inv-gym app`` serves it on localhost.
"""

from __future__ import annotations

from pathlib import Path

#: the app's entry script (``streamlit run`` target)
MAIN = Path(__file__).resolve().parent / "main.py"

#: pages in the navigation's order: (name, title); the file is views/<name>.py, the URL path /<name>
PAGES: tuple[tuple[str, str], ...] = (
    ("twin", "Twin"),
    ("scenarios", "Scenarios"),
    ("optimise", "Optimise"),
    ("bandits", "Bandits"),
    ("benchmark", "Learned vs classical"),
)


def page_path(name: str) -> Path:
    """The file of the page ``name`` (``twin``, ``scenarios``, ...)."""
    return MAIN.parent / "views" / f"{name}.py"
