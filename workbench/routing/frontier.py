"""Routing policies as cost-quality curves, for the plot that sets them beside the targets of a sweep.

Each policy ranks the held-out half of the outcomes (:class:`~workbench.routing.exploration.Exploration`);
sending the top k of its ranking to the cloud gives one point: dollars per item and mean quality. A
policy that cannot run on these outcomes (a learned router where one side never scored) is left out
and named, never drawn as if it had run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.errors import ConfigError
from workbench.routing.exploration import Exploration

if TYPE_CHECKING:
    import pandas as pd

    from workbench.routing.outcomes import Outcomes

__all__ = ["DEFAULT_ROUTES", "route_curves"]

DEFAULT_ROUTES = ("learned", "learned-per-dollar", "rules")
"""The policies drawn unless others are named."""


def route_curves(
    data: Outcomes, policies: Sequence[str] = DEFAULT_ROUTES, *, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Each policy's curve on the held-out half: ``policy``, ``cloud_share``, ``cost_per_item``, ``quality``.

    The second value names each policy left out, with the reason. Costs are dollars per item (the edge's
    recorded cost for every item plus the cloud's for those sent); a curve whose costs are unknown is left out.
    """
    import pandas as pd

    frames, left_out = [], {}
    for name in policies:
        try:
            ranking = Exploration(data, name, seed=seed)
        except ConfigError as exc:
            left_out[name] = str(exc)
            continue
        if not ranking.costs_known:
            left_out[name] = "some recorded costs are unknown"
            continue
        curve = ranking.curve()
        frames.append(pd.DataFrame({
            "policy": name, "cloud_share": curve["cloud_share"], "cost_per_item": curve["cost_usd"] / ranking.n,
            "quality": curve["quality"],
        }))  # fmt: skip
    columns = ["policy", "cloud_share", "cost_per_item", "quality"]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)), left_out
