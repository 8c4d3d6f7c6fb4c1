"""Stand-ins for the sweep's task runner, importable by name on local and Dask workers."""

import os

from gatenet.sweep.executors import safe_task


def dies_on_seed_one(rule_text, seed, options):
    """The real task, except that seed 1 kills the process running it (a crash in native
    code, the OOM killer)."""
    if seed == 1:
        os._exit(3)
    return safe_task(rule_text, seed, options)


def sleeps(rule_text, seed, options):
    """A task that takes ``seed`` seconds and returns an empty outcome."""
    import time

    from gatenet.sweep.task import Outcome

    time.sleep(seed)
    return Outcome({"given": rule_text, "seed": seed, "exact": False, "error": None})
