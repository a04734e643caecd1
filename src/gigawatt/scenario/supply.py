r"""Capacity a scenario makes available, before any planning.

For offer :math:`o` at site :math:`s` in month :math:`t`:

.. math::

    A_{o,t} = \text{available}_o(t) \cdot [t \ge t_0 + \text{lead}_o]
              \cdot [t \ge \text{available\_from}_{a(o)}]

and the facility power it would draw is :math:`A_{o,t} \cdot W_{a(o)} \cdot
\text{PUE}_s / 10^6` MW. A site's deliverable power is the sum over its offers,
capped by ``power_mw`` when given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from gigawatt.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OfferRef", "offer_availability", "offers", "site_power_cap_mw", "supply_table"]


@dataclass(frozen=True)
class OfferRef:
    """One offer with its position: ``site`` and ``index`` within the site's offers."""

    key: str
    site: str
    index: int
    provider: str
    accelerator: str
    pricing: str


def offers(scenario: Scenario) -> list[OfferRef]:
    """Every offer of the scenario, keyed ``site/index``."""
    out = []
    for site_name, site in scenario.sites.items():
        for i, o in enumerate(site.offers):
            out.append(
                OfferRef(f"{site_name}/{i}", site_name, i, site.provider, o.accelerator, o.pricing)
            )
    return out


def offer_availability(scenario: Scenario, ref: OfferRef) -> npt.NDArray[np.float64]:
    """Accelerators the offer can have installed in each month (lead time applied)."""
    tl = scenario.timeline
    offer = scenario.sites[ref.site].offers[ref.index]
    values = offer.available.values(tl)
    idx = np.arange(tl.n_months)
    values = np.where(idx >= offer.lead_months, values, 0.0)
    acc = scenario.accelerators.get(offer.accelerator)
    if acc is not None and acc.available_from is not None:
        values = np.where(idx >= tl.index(acc.available_from), values, 0.0)
    return np.asarray(values, dtype=float)


def site_power_cap_mw(scenario: Scenario, site: str) -> npt.NDArray[np.float64] | None:
    """The site's power cap per month in MW, or None when uncapped."""
    cap = scenario.sites[site].power_mw
    return None if cap is None else cap.values(scenario.timeline)


def supply_table(scenario: Scenario) -> pd.DataFrame:
    """Long table of installable capacity per offer and month.

    Columns: site, provider, accelerator, pricing, month, accelerators, mw (uncapped),
    mw_capped (the offer's share of the site cap, pro rata when the site is over it).
    """
    import pandas as pd

    tl = scenario.timeline
    frames = []
    for site_name in scenario.sites:
        refs = [r for r in offers(scenario) if r.site == site_name]
        if not refs:
            continue
        counts = np.array([offer_availability(scenario, r) for r in refs])
        watts = np.array([scenario.facility_watts_at(r.accelerator, site_name) for r in refs])
        mw = counts * watts[:, None] / 1e6
        cap = site_power_cap_mw(scenario, site_name)
        total = mw.sum(axis=0)
        scale = np.ones_like(total)
        if cap is not None:
            over = total > cap
            scale = np.divide(cap, total, out=np.ones_like(total), where=over)
        for k, r in enumerate(refs):
            frames.append(
                pd.DataFrame(
                    {
                        "site": site_name,
                        "provider": r.provider,
                        "accelerator": r.accelerator,
                        "pricing": r.pricing,
                        "month": tl.labels,
                        "accelerators": counts[k],
                        "mw": mw[k],
                        "mw_capped": mw[k] * scale,
                    }
                )
            )
    if not frames:
        return pd.DataFrame(
            columns=[
                "site",
                "provider",
                "accelerator",
                "pricing",
                "month",
                "accelerators",
                "mw",
                "mw_capped",
            ]
        )
    return pd.concat(frames, ignore_index=True)
