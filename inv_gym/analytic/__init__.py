"""Closed forms and exact solvers for the suite's models.

* :mod:`~inv_gym.analytic.eoq`: EOQ, EOQ with planned backorders, Hopp & Spearman's form.
* :mod:`~inv_gym.analytic.newsvendor`: cost and priced newsvendor for every demand law;
  the (L + 1)-period demand.
* :mod:`~inv_gym.analytic.base_stock`: exact periodic-review base stock; Hopp & Spearman's
  continuous-review formulas.
* :mod:`~inv_gym.analytic.rq`: exact Poisson (Q, r); normal-demand approximations.
* :mod:`~inv_gym.analytic.ss`: Zheng-Federgruen exact (s, S); the power approximation.
"""

# Each module lists its public names in __all__; they are all re-exported here.
from inv_gym.analytic.base_stock import *  # noqa: F401,F403
from inv_gym.analytic.eoq import *  # noqa: F401,F403
from inv_gym.analytic.newsvendor import *  # noqa: F401,F403
from inv_gym.analytic.rq import *  # noqa: F401,F403
from inv_gym.analytic.ss import *  # noqa: F401,F403

# dp solver exports
from inv_gym.analytic.dp import *  # noqa: F401,F403  # isort: skip
