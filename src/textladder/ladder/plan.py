"""Which rungs fit the budget, and each one's share of it, decided up front from the estimates.

The plan first gives each rung, in order of `PRIORITY`, the least it is worth running with (all
of it for rungs without epochs; `MIN_EPOCHS` for torch rungs, whose later epochs can be cut), and
skips those that would not fit what is left. Then the time that remains goes, in the same order,
to the kept rungs until each has all its epochs. A torch rung whose share is short of its full
cost runs fewer epochs (its `epochs` setting is lowered, so that learning-rate schedules end on
time) with a `time_limit` as a safety net. The kept rungs run cheapest first, so that the most
expensive, whose epochs can be cut, come last and absorb what the estimates got wrong: before
each rung starts, `share_now` shrinks the planned shares of it and the rungs after it to the time
actually left, and a rung that no longer fits is skipped then, with the reason. What stays
reserved then is the least of the later rungs preferred to it (`PRIORITY`), not of all of them:
a rung the plan prefers is not skipped to keep time for ones it prefers less, which are skipped
at their own turn instead.

Everything here is arithmetic on estimates; nothing is fitted or timed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textladder.ladder.costs import Estimate
from textladder.ladder.rungs import LADDER, min_epochs, priority


@dataclass
class Step:
    """One rung of the plan: its estimate, its share of the budget (None: skipped), the epochs
    it may run (None: as its settings say), and the reason for a skip or a cut."""

    name: str
    estimate: Estimate
    share: float | None = None
    epochs: int | None = None
    reason: str | None = None

    def least(self) -> float:
        """The least time worth giving the rung."""
        est = self.estimate
        return est.seconds(min_epochs(self.name, est.epochs) if est.per_epoch > 0 else None)


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    def kept(self) -> list[Step]:
        return [s for s in self.steps if s.share is not None]

    def skipped(self) -> list[Step]:
        return [s for s in self.steps if s.share is None]


def _order_key(step: Step) -> tuple:
    return (step.share if step.share is not None else float("inf"),
            LADDER.index(step.name) if step.name in LADDER else len(LADDER))


def make_plan(estimates: dict[str, Estimate], seconds: float,
              uncut: frozenset[str] = frozenset()) -> Plan:
    """The plan for the rungs of `estimates` within `seconds`; kept steps come first, in the
    order they run, then the skipped ones. Rungs with no known estimate run last, on what is
    left then. The epochs of the rungs in `uncut` are never cut to fit their shares."""
    steps = {name: Step(name, estimate) for name, estimate in estimates.items()}
    known = sorted((s for s in steps.values() if s.estimate.known), key=lambda s: priority(s.name))
    left, kept = seconds, []
    for step in known:
        need = step.least()
        if need <= left:
            step.share, left = need, left - need
            kept.append(step)
            continue
        fewest = min_epochs(step.name, step.estimate.epochs)
        cut = (f" with {fewest} epoch{'s' if fewest > 1 else ''}"
               if step.estimate.per_epoch > 0 else "")
        before = ", ".join(s.name for s in kept) or "nothing"
        step.reason = (f"would take about {need:.0f} s{cut}; {max(left, 0):.0f} s of the budget "
                       f"were left after the rungs preferred to it ({before})")
    for step in kept:
        extra = min(step.estimate.seconds() - step.share, left)
        if extra > 0:
            step.share, left = step.share + extra, left - extra
    for step in kept:
        if step.name not in uncut:
            _cut(step, step.share)
    unknown = [s for s in steps.values() if not s.estimate.known]
    for step in unknown:
        step.share = 0.0  # whatever is left when its turn comes
        step.reason = f"no estimate ({step.estimate.how}); run on the time left at its turn"
    ordered = sorted(kept, key=_order_key) + unknown
    return Plan(ordered + sorted((s for s in steps.values() if s.share is None),
                                 key=_order_key))


def _cut(step: Step, share: float) -> None:
    """Lower the step's epochs to what `share` holds, saying so."""
    est = step.estimate
    if est.per_epoch <= 0 or est.seconds() <= share:
        step.epochs, step.reason = None, None
        return
    step.epochs = max(min_epochs(step.name, est.epochs), est.epochs_within(share))
    step.reason = (f"cut to {step.epochs} of {est.epochs} epochs to fit its share of the budget "
                   f"({share:.0f} s; all {est.epochs} would take about {est.seconds():.0f} s)")


def preferred_after(plan: Plan, index: int) -> list[Step]:
    """The kept steps after step `index` that the plan prefers to it (`PRIORITY`): the ones whose
    least it must leave time for when the budget runs behind."""
    steps = plan.kept()
    return [s for s in steps[index + 1:]
            if s.share and priority(s.name) < priority(steps[index].name)]


def share_now(plan: Plan, index: int, left: float, factor: float = 1.0) -> float | None:
    """The share of step `index` when it starts with `left` seconds of the budget remaining:
    its planned share, shrunk with the ones after it when the budget has run behind, and never
    so large that a later rung preferred to it (`PRIORITY`) loses its least; at least its own
    least, or None when even that no longer fits beside the preferred later rungs' leasts.
    `factor` scales the estimates by how the earlier ones compared with the time actually
    taken."""
    steps = plan.kept()
    step = steps[index]
    if not step.estimate.known:  # no estimate: whatever is left
        return left if left > 0 else None
    planned = [s.share * factor for s in steps[index:] if s.share]
    share = step.share * factor
    if sum(planned) > left:
        share = share * left / sum(planned)
    preferred = sum(s.least() * factor for s in preferred_after(plan, index))
    cap, least = left - preferred, step.least() * factor
    if least > cap:
        return None
    return min(max(share, least), cap)
