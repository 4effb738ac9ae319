"""The climb: from a baseline up the rungs within a time budget, then ensembles of the best.

- `rungs.py`: which rungs the climb knows, in which order it tries them and which it prefers
  when not all fit;
- `costs.py`: what a rung would cost on this data, from timed probes on small samples;
- `plan.py`: which rungs fit the budget, and each one's share of it;
- `leaderboard.py`: one row per rung, baseline or ensemble, and the best chosen on validation;
- `run_dir.py`: the run directory (run.json, models/, leaderboard.json, best/) and resuming.

The climb itself is a workflow (`workflows/climb.py`); nothing here prints.
"""
