"""Generate synthetic planning scenarios of any size, for benchmarks.

``generate_scenario(sites=, accelerators=, workloads=, months=, seed=)`` returns plain
data in the scenario file format of ``design.md`` (load it with
``gigawatt.scenario.scenario_from_data``). The mix is meant to look like the real
thing, only bigger:

* providers of every kind: clouds (on-demand and reserved offers), neoclouds
  (reserved, some on-demand) and the lab's own campuses (build offers with lead times,
  lifetimes and electricity), every site with a power cap that ramps up;
* accelerators released through the horizon (newer = more FLOP/s and more watts);
* inference products with growing demand and revenue (plus revenue-less research
  fleets), and training runs with FLOP budgets and windows; a few runs are
  ``single_site`` (one binary per candidate site), the rest may spread;
* contracts: a pin of the API products to the main cloud, a revenue share, min-spend
  commitments with three providers and, optionally, a right of first refusal.

``lp=True`` makes a pure LP (no single-site runs, no right of first refusal). The
model's size is dominated by inference products x offers x months, so variables grow
roughly as ``workloads x sites x offers_per_site x months``.

Command line::

    python benchmarks/generate.py --sites 40 --workloads 50 --months 120 --seed 1 -o file.yaml
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

__all__ = ["generate_scenario", "main"]

# name, peak dense BF16 FLOP/s, facility watts (all-in, with host share)
_ACCELERATORS = [
    ("H100", 9.89e14, 1500),
    ("H200", 9.89e14, 1500),
    ("MI300X", 1.3e15, 1700),
    ("B200", 2.25e15, 1900),
    ("GB200", 2.5e15, 2100),
    ("MI355X", 2.5e15, 2200),
    ("GB300", 2.5e15, 2100),
    ("TPU7", 4.6e15, 2600),
    ("VR200", 8.3e15, 3700),
    ("MI450", 1.0e16, 4000),
    ("RUBIN-ULTRA", 1.6e16, 6000),
    ("FEYNMAN", 2.6e16, 8000),
]

_INFERENCE_TAGS = ["chatgpt", "api", "enterprise", "agents", "research"]


def _month(start_year: int, start_month: int, offset: int) -> str:
    ordinal = start_year * 12 + start_month - 1 + offset
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def _accelerators(n: int, months: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        base, peak, watts = _ACCELERATORS[i % len(_ACCELERATORS)]
        gen = i // len(_ACCELERATORS)
        name = base if gen == 0 else f"{base}-{gen + 1}"
        peak *= 1.5**gen
        watts *= 1.2**gen
        # the first three exist at the start; later ones arrive through the first 60%
        # of the horizon, in order
        release = 0 if i < 3 else round((i - 2) / max(n - 2, 1) * 0.6 * months)
        out.append(
            {
                "name": name,
                "peak_flops": float(f"{peak:.4g}"),
                "facility_watts": round(watts),
                "release": release,
            }
        )
    return out


def _step_schedule(
    rng: random.Random,
    start: tuple[int, int],
    first: int,
    months: int,
    base: float,
    steps: int,
    grow: tuple[float, float],
) -> dict[str, float]:
    """A step schedule starting at month offset ``first`` that grows at each step."""
    out = {_month(*start, first): float(round(base, -2) or base)}
    value = base
    offsets = sorted(rng.sample(range(first + 1, months), k=max(0, min(steps, months - first - 1))))
    for off in offsets:
        value *= rng.uniform(*grow)
        out[_month(*start, off)] = float(round(value, -2) or value)
    return out


def generate_scenario(
    sites: int = 40,
    accelerators: int = 8,
    workloads: int = 50,
    months: int = 120,
    seed: int = 1,
    *,
    offers_per_site: int = 3,
    start: str = "2025-01",
    single_site: int | None = None,
    rofr: bool = False,
    lp: bool = False,
    rofr_months: int = 24,
) -> dict[str, Any]:
    """A synthetic scenario as plain data (see the module docstring).

    Args:
        sites: Number of sites (data centres or cloud regions).
        accelerators: Number of accelerator types.
        workloads: Number of workloads; about 60% inference products, 40% training runs.
        months: Horizon length in months.
        seed: Random seed; the same arguments give the same scenario.
        offers_per_site: Offers at each site (distinct accelerators where possible).
        start: First month, ``YYYY-MM``.
        single_site: How many training runs are single-site (one binary per candidate
            site); default one per 50 training runs, at least one. Each uses one
            accelerator type, the one offered at the fewest sites (at least two), so
            that the site choice is real but small and the MILP stays LP-dominated.
        rofr: Add a right of first refusal of the main cloud over the chatgpt products
            for two years (one binary per month and accelerator group).
        rofr_months: Months the right of first refusal covers from the start (at most
            the horizon; default 24).
        lp: Pure LP: no single-site runs and no right of first refusal.
    """
    if sites < 1 or accelerators < 1 or workloads < 1 or months < 12:
        raise ValueError("need sites, accelerators, workloads >= 1 and months >= 12")
    rng = random.Random(seed)
    y0, m0 = (int(x) for x in start.split("-"))
    st = (y0, m0)
    accs = _accelerators(accelerators, months, rng)

    # providers: the main cloud and others, neoclouds, owned campuses
    n_cloud = max(2, sites // 8)
    n_neo = max(1, sites // 10)
    n_owned = max(1, sites // 20)
    providers: dict[str, dict[str, str]] = {}
    clouds = [f"cloud-{i}" for i in range(n_cloud)]
    neos = [f"neocloud-{i}" for i in range(n_neo)]
    owned = [f"owned-{i}" for i in range(n_owned)]
    for p in clouds:
        providers[p] = {"kind": "cloud"}
    for p in neos:
        providers[p] = {"kind": "neocloud"}
    for p in owned:
        providers[p] = {"kind": "owned"}

    # sites: ~45% cloud regions, ~25% neocloud, ~30% owned campuses; site 0 is the main cloud
    site_data: dict[str, dict[str, Any]] = {}
    kinds = ["cloud"] + [
        rng.choices(["cloud", "neocloud", "owned"], weights=[45, 25, 30])[0]
        for _ in range(sites - 1)
    ]
    for i, kind in enumerate(kinds):
        provider = {"cloud": clouds, "neocloud": neos, "owned": owned}[kind]
        provider_name = clouds[0] if i == 0 else rng.choice(provider)
        name = f"{kind}-site-{i:03d}"
        site: dict[str, Any] = {"provider": provider_name}
        first_power = 0 if kind != "owned" else rng.randint(0, months // 6)
        base_mw = rng.uniform(150, 600) if kind != "owned" else rng.uniform(100, 300)
        site["power_mw"] = _step_schedule(
            rng, st, first_power, months, base_mw, rng.randint(1, 4), (1.3, 2.2)
        )
        if kind == "owned":
            site["pue"] = round(rng.uniform(1.1, 1.3), 2)
            site["electricity_usd_per_mwh"] = round(rng.uniform(40, 95), 1)
        elif kind == "neocloud":
            site["pue"] = round(rng.uniform(1.0, 1.1), 2)
        site["grid_gco2_per_kwh"] = round(rng.uniform(50, 550))
        site["offers"] = _offers(rng, kind, accs, offers_per_site, months, st, first_power)
        site_data[name] = site

    # workloads: inference products (60%) and training runs (40%)
    n_inf = max(1, round(workloads * 0.6)) if workloads > 1 else 1
    n_train = workloads - n_inf
    # supply scale: EFLOP/s an average site gives at 0.35 utilisation, early on
    mean_peak = sum(a["peak_flops"] for a in accs[:3]) / min(3, len(accs))
    site_eflops = 120_000 * mean_peak * 0.35
    wl: list[dict[str, Any]] = []
    for i in range(n_inf):
        tag = _INFERENCE_TAGS[i % len(_INFERENCE_TAGS)]
        demand0 = site_eflops * sites / n_inf * rng.uniform(0.25, 0.6)
        w: dict[str, Any] = {
            "name": f"{tag}-{i:03d}",
            "kind": "inference",
            "tags": [tag],
            "demand_flops": {
                _month(*st, 0): float(f"{demand0:.3g}"),
                "growth_per_year": round(rng.uniform(1.3, 2.2), 2),
            },
            "utilization": round(rng.uniform(0.3, 0.45), 2),
        }
        if tag != "research":
            # revenue per month of one EFLOP/s served: ~$1.5-4M (so that serving pays)
            rev = demand0 / 1e18 * rng.uniform(1.5, 4.0) * 1e6
            w["revenue_usd_per_month"] = {
                _month(*st, 0): float(f"{rev:.3g}"),
                "growth_per_year": round(rng.uniform(1.2, 1.9), 2),
            }
        if rng.random() < 0.75 and len(accs) > 3:
            # most products are tuned for a few accelerator types: one available from
            # the start and two others
            first = rng.choice(accs[:3])
            others = rng.sample([a for a in accs if a is not first], k=2)
            w["accelerators"] = sorted(a["name"] for a in [first, *others])
        wl.append(w)

    sites_offering: dict[str, int] = {}
    for site in site_data.values():
        for name in {o["accelerator"] for o in site["offers"]}:
            sites_offering[name] = sites_offering.get(name, 0) + 1
    n_single = 0 if lp else (single_site if single_site is not None else max(1, n_train // 50))
    n_single = min(n_single, n_train)
    for j in range(n_train):
        length = rng.randint(max(3, months // 20), max(4, months // 6))
        first = rng.randint(0, months - length)
        last = first + length - 1
        # newest types released by the middle of the window; a single-site (frontier)
        # run takes the newest one or two only, so it has few candidate sites
        usable = [a for a in accs if a["release"] <= first + length // 2] or accs[:1]
        if j < n_single:
            # a frontier run on one campus: the released type offered at the fewest
            # (but at least two) sites, so that it has a real but small site choice
            ranked = sorted(
                usable,
                key=lambda a: (
                    sites_offering.get(a["name"], 0) < 2,
                    sites_offering.get(a["name"], 0),
                    -a["release"],
                ),
            )
            chosen = [ranked[0]["name"]]
        else:
            chosen = sorted({a["name"] for a in usable[-rng.randint(2, 4) :]})
        share = rng.uniform(0.2, 0.8)
        peak = max(a["peak_flops"] for a in usable)
        flop = share * 120_000 * peak * 0.4 * 2.6e6 * length
        wl.append(
            {
                "name": f"train-{j:03d}",
                "kind": "training",
                "tags": ["training"],
                "flop": float(f"{flop:.3g}"),
                "window": [_month(*st, first), _month(*st, last)],
                "mfu": round(rng.uniform(0.35, 0.45), 2),
                "single_site": j < n_single,
                "accelerators": chosen,
            }
        )

    # contracts
    main = clouds[0]
    contracts: list[dict[str, Any]] = [
        {
            "name": f"{main}-master",
            "counterparty": main,
            "clauses": [
                {"type": "pin", "tags": ["api"]},
                {"type": "revenue_share", "percent": 20, "tags": ["api", "chatgpt"]},
                {
                    "type": "min_spend",
                    "usd": _spend(site_data, main, accs, 0.25, months),
                    "from": _month(*st, 6),
                    "until": _month(*st, months - 1),
                },
            ],
        },
    ]
    if rofr and not lp:
        contracts[0]["clauses"].append(
            {
                "type": "right_of_first_refusal",
                "tags": ["chatgpt"],
                "from": _month(*st, 0),
                "until": _month(*st, min(months, rofr_months) - 1),
            }
        )
    # a neocloud commitment over three years from a quarter of the horizon
    p = neos[0]
    if any(s["provider"] == p for s in site_data.values()):
        first = months // 4
        last = min(months - 1, first + 35)
        contracts.append(
            {
                "name": f"{p}-commit",
                "counterparty": p,
                "clauses": [
                    {
                        "type": "min_spend",
                        "usd": _spend(site_data, p, accs, 0.3, last - first + 1),
                        "from": _month(*st, first),
                        "until": _month(*st, last),
                    }
                ],
            }
        )

    return {
        "name": f"synthetic-s{sites}-a{accelerators}-w{workloads}-m{months}-seed{seed}"
        + ("-lp" if lp else ""),
        "horizon": {"start": start, "months": months},
        "discount_rate": 0.08,
        "accelerators": {
            a["name"]: {
                "peak_flops": a["peak_flops"],
                "facility_watts": a["facility_watts"],
                **({"available_from": _month(*st, a["release"])} if a["release"] else {}),
            }
            for a in accs
        },
        "providers": providers,
        "sites": site_data,
        "workloads": wl,
        "contracts": contracts,
        "finance": {
            "cash_usd": 1.0e10,
            "other_opex_usd_per_month": {_month(*st, 0): 4.0e8, "growth_per_year": 1.5},
            "funding": [
                {"month": _month(*st, 2), "usd": 4.0e10},
                {"month": _month(*st, min(months - 1, 26)), "usd": 6.0e10},
            ],
        },
        "penalties": {"shortfall_usd_per_flop": 1.0e-17},
    }


def _offers(
    rng: random.Random,
    kind: str,
    accs: list[dict[str, Any]],
    n: int,
    months: int,
    st: tuple[int, int],
    first_power: int,
) -> list[dict[str, Any]]:
    picks = rng.sample(accs, k=min(n, len(accs)))
    while len(picks) < n:
        picks.append(rng.choice(accs))
    out = []
    for k, acc in enumerate(picks):
        if kind == "cloud":
            pricing = "on_demand" if k == 0 else "reserved"
        elif kind == "neocloud":
            pricing = "on_demand" if (k == 0 and rng.random() < 0.3) else "reserved"
        else:
            pricing = "build"
        # $/hour scales with FLOP/s: ~$2.3 for an H100-class accelerator
        price = 2.3 * (acc["peak_flops"] / 9.89e14) ** 0.7
        lead = max(acc["release"], first_power)
        offer: dict[str, Any] = {"accelerator": acc["name"], "pricing": pricing}
        count = rng.uniform(30_000, 250_000)
        if pricing == "on_demand":
            offer["usd_per_hour"] = round(price * rng.uniform(2.5, 5.0), 2)
            offer["lead_months"] = lead
            offer["available"] = float(round(count / 5, -2))
        elif pricing == "reserved":
            offer["usd_per_hour"] = round(price * rng.uniform(0.9, 1.3), 2)
            offer["term_months"] = rng.choice([12, 12, 24, 36])
            offer["lead_months"] = lead + rng.randint(0, 3)
            offer["available"] = _step_schedule(
                rng,
                st,
                min(offer["lead_months"], months - 2),
                months,
                count,
                rng.randint(0, 2),
                (1.2, 2.0),
            )
        else:
            watts = acc["facility_watts"]
            offer["capex_usd"] = float(round(40e9 / 1e9 * watts * rng.uniform(0.9, 1.2), -2))
            offer["opex_usd_per_hour"] = round(0.9e9 / 1e9 * watts / 8766, 3)
            offer["lifetime_months"] = rng.choice([48, 60, 72])
            offer["lead_months"] = min(months - 2, lead + rng.randint(6, 18))
            offer["available"] = _step_schedule(
                rng,
                st,
                offer["lead_months"],
                months,
                count,
                rng.randint(1, 3),
                (1.3, 2.0),
            )
        if offer["lead_months"] >= months:
            offer["lead_months"] = months - 1
        out.append(offer)
    return out


def _spend(
    sites: dict[str, dict[str, Any]],
    provider: str,
    accs: list[dict[str, Any]],
    fraction: float,
    months: int,
) -> float:
    """A min-spend commitment: ``fraction`` of a provider's first-step capacity at full rent."""
    total = 0.0
    for s in sites.values():
        if s["provider"] != provider:
            continue
        for o in s["offers"]:
            if o["pricing"] == "build":
                continue
            avail = o["available"]
            count = avail if isinstance(avail, float) else next(iter(avail.values()))
            total += count * o["usd_per_hour"] * 730 * months * 0.75
    return float(f"{max(total * fraction, 1e9):.3g}")


def _write_yaml(data: dict[str, Any], path: Path | None) -> None:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    yaml.width = 120
    yaml.sort_base_mapping_type_on_output = False  # keep key order

    def float_repr(representer: Any, value: float) -> Any:
        # 2.5e+20 rather than 250000000000000000000.0 (a YAML 1.2 float)
        text = repr(value) if abs(value) < 1e7 else f"{value:.6g}"
        if "e" in text and "." not in text.split("e")[0]:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return representer.represent_scalar("tag:yaml.org,2002:float", text)

    yaml.representer.add_representer(float, float_repr)
    if path is None:
        yaml.dump(data, sys.stdout)
    else:
        with path.open("w", encoding="utf-8") as fh:
            yaml.dump(data, fh)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=40)
    ap.add_argument("--accelerators", type=int, default=8)
    ap.add_argument("--workloads", type=int, default=50)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--offers-per-site", type=int, default=3)
    ap.add_argument("--start", default="2025-01")
    ap.add_argument(
        "--single-site",
        type=int,
        default=None,
        help="training runs that must use one site (binaries)",
    )
    ap.add_argument("--rofr", action="store_true", help="add a right of first refusal")
    ap.add_argument(
        "--lp", action="store_true", help="pure LP: no single-site runs, no right of first refusal"
    )
    ap.add_argument("-o", "--output", type=Path, default=None, help="YAML file (default stdout)")
    ap.add_argument(
        "--no-check",
        action="store_true",
        help="skip validating the result with gigawatt.scenario.scenario_from_data",
    )
    a = ap.parse_args(argv)
    data = generate_scenario(
        sites=a.sites,
        accelerators=a.accelerators,
        workloads=a.workloads,
        months=a.months,
        seed=a.seed,
        offers_per_site=a.offers_per_site,
        start=a.start,
        single_site=a.single_site,
        rofr=a.rofr,
        lp=a.lp,
    )
    if not a.no_check:
        from gigawatt.scenario import scenario_from_data

        scenario_from_data(data)
    _write_yaml(data, a.output)
    if a.output is not None:
        print(f"wrote {a.output} ({data['name']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
