"""Agents: heuristic and exact policies, grid search, bandits and stable-baselines3 training."""
