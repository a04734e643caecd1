r"""The planning model: one function per constraint family.

Notation (model units, see :mod:`gigawatt.plan.inputs`):

* :math:`x_{w,o,t} \ge 0` accelerators (k) of offer :math:`o` used by workload
  :math:`w` in month :math:`t`; created only where :math:`w` may use :math:`o` in
  :math:`t` (accelerator allowed, offer available, no pin or exclusivity forbids it);
* :math:`c_{o,t} \ge 0` accelerators installed (on-demand: used; reserved: held under
  running terms; build: built and not retired); :math:`n_{o,t} \ge 0` new
  reservations or builds starting in :math:`t`;
* :math:`u_{w,t} \in [0, D_{w,t}]` inference demand not served (EFLOP/s);
  :math:`v_w \in [0, F_w]` training FLOP not delivered (1e24 FLOP);
* :math:`y_{w,s} \in \{0,1\}` site chosen by a single-site run;
  :math:`z_{r,t} \in \{0,1\}` "the counterparty is full" for right-of-first-refusal
  term :math:`r`; :math:`m_k \ge 0` min-spend shortfall of clause :math:`k` ($M).

Objective (discount :math:`\delta_t = (1+\rho)^{-t/12}`):

.. math::

    \min \sum_{o,t} \delta_t \big(\kappa_{o,t} c_{o,t} + e_{o,t} \textstyle\sum_w x_{w,o,t}
    \big) + \sum_k \delta_{\tau_k} m_k + \sum_{w,t} \delta_t \lambda_{w,t} u_{w,t}
    + \sum_w \delta_{\text{end}(w)} \pi_w v_w

with :math:`\kappa` the rent, straight-line capex plus opex per k-accelerator-month,
:math:`e` electricity on owned sites, :math:`\lambda_{w,t}` the lost revenue net of
revenue share per EFLOP/s unserved (or, when the workload has no revenue, its own
``shortfall_usd_per_flop`` or the scenario's penalty) and :math:`\pi_w` the value of a unit
of run :math:`w`'s training FLOP short (its own ``shortfall_usd_per_flop`` or the penalty).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import linopy
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from linopy.config import LinopySemanticsWarning

from gigawatt.plan.funding import add_funding, is_funded
from gigawatt.plan.inputs import PlanInputs, RofrTerm
from gigawatt.plan.supplylimits import add_supply_limits

__all__ = ["PlanModel", "build_model", "remove_rofr_tightening"]

W, O, T, S = "workload", "offer", "month", "site"  # noqa: E741 - the model's index names


@dataclass
class PlanModel:
    """A built linopy model with the inputs and the names of its parts."""

    model: linopy.Model
    inputs: PlanInputs
    rofr_names: list[str] = field(default_factory=list)
    #: Rows of right-of-first-refusal inequalities -> the terms (``inputs.rofr`` indices)
    #: whose variables they hold (dropping a clause frees the rows of its terms).
    rofr_rows: dict[str, list[int]] = field(default_factory=dict)
    single_site_names: list[str] = field(default_factory=list)
    allow_shortfall: bool = True
    #: The plan must be funded (``finance.funded``): :mod:`gigawatt.plan.funding` built.
    funded: bool = False
    #: Objective terms other families add (the financing cost of a funded plan).
    extra_costs: list[linopy.LinearExpression] = field(default_factory=list)


def _coords(inputs: PlanInputs) -> dict[str, pd.Index]:
    return {
        W: pd.Index(inputs.workloads, name=W),
        O: pd.Index([r.key for r in inputs.refs], name=O),
        T: pd.Index(inputs.months, name=T),
        S: pd.Index(inputs.sites, name=S),
    }


def _da(values: np.ndarray, *dims: str, coords: dict[str, pd.Index]) -> xr.DataArray:
    return xr.DataArray(values, coords=[coords[d] for d in dims], dims=list(dims))


def add_variables(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""Create :math:`x, c, n, u, v` with their masks and bounds.

    :math:`c_{o,t}` exists for :math:`t \ge \text{lead}_o`; :math:`n_{o,t}` only for
    reserved and build offers; :math:`u_{w,t} \le D_{w,t}` and :math:`v_w \le F_w`
    (fixed to 0 when shortfall is not allowed).
    """
    m, inp = pm.model, pm.inputs
    n_t = len(inp.months)
    after_lead = np.arange(n_t)[None, :] >= inp.lead[:, None]
    m.add_variables(
        lower=0,
        coords=[coords[W], coords[O], coords[T]],
        name="use",
        mask=_da(inp.allowed, W, O, T, coords=coords),
    )
    m.add_variables(
        lower=0,
        coords=[coords[O], coords[T]],
        name="installed",
        mask=_da(after_lead, O, T, coords=coords),
    )
    has_term = np.array([p != "on_demand" for p in inp.pricing])[:, None]
    m.add_variables(
        lower=0,
        coords=[coords[O], coords[T]],
        name="new",
        mask=_da(after_lead & has_term & (inp.avail_kacc > 0), O, T, coords=coords),
    )
    scale = 1.0 if pm.allow_shortfall else 0.0
    inf_mask = inp.inference[:, None] & (inp.demand_eflops > 0)
    m.add_variables(
        lower=0,
        upper=_da(inp.demand_eflops * scale, W, T, coords=coords),
        coords=[coords[W], coords[T]],
        name="unserved",
        mask=_da(inf_mask, W, T, coords=coords),
    )
    train = inp.train_yflop > 0
    m.add_variables(
        lower=0,
        upper=_da(inp.train_yflop * scale, W, coords=coords),
        coords=[coords[W]],
        name="train_short",
        mask=_da(train, W, coords=coords),
    )


def add_availability(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""Offer availability: :math:`c_{o,t} \le A_{o,t}` and use within installed.

    .. math:: \sum_w x_{w,o,t} \le c_{o,t} \le A_{o,t}
    """
    m, inp = pm.model, pm.inputs
    installed = m.variables["installed"]
    m.add_constraints(installed <= _da(inp.avail_kacc, O, T, coords=coords), name="availability")
    use = m.variables["use"]
    m.add_constraints(use.sum(W) - installed <= 0, name="usage")


def add_terms_and_lifetimes(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""Reserved terms and build lifetimes: installed = what started in the last L months.

    .. math:: c_{o,t} = c_{o,t-1} + n_{o,t} - n_{o,t-L_o}

    with :math:`L_o` the term (reserved) or lifetime (build), and :math:`c, n = 0`
    before the lead time.
    """
    m, inp = pm.model, pm.inputs
    installed, new = m.variables["installed"], m.variables["new"]
    for term in sorted({int(t) for t in inp.term if t > 0}):
        keys = [r.key for r, t in zip(inp.refs, inp.term, strict=True) if t == term]
        c = installed.sel({O: keys})
        n = new.sel({O: keys})
        lhs = c - c.shift({T: 1}) - n + n.shift({T: term})
        m.add_constraints(lhs == 0, name=f"term_{term}", mask=c.labels != -1)


def add_power(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""Site power: installed accelerators x facility W x PUE within the cap.

    .. math:: \sum_{o \in s} \omega_o c_{o,t} \le P_{s,t}
    """
    m, inp = pm.model, pm.inputs
    installed = m.variables["installed"]
    site_names = xr.DataArray(
        [inp.sites[i] for i in inp.site_of], coords=[coords[O]], dims=[O], name=S
    )
    mw = _da(inp.mw_per_kacc, O, coords=coords)
    lhs = (installed * mw).groupby(site_names).sum()
    cap = _da(inp.power_cap_mw, S, T, coords=coords).sel({S: lhs.coords[S].values})
    finite = np.isfinite(cap)
    m.add_constraints(lhs <= cap.where(finite, 0.0), name="power", mask=finite)


def add_inference_demand(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""Inference demand met or unmet: :math:`\sum_o \phi_{w,o} x_{w,o,t} + u_{w,t} \ge D_{w,t}`.

    :math:`\phi_{w,o}` is peak FLOP/s x utilisation of one k-accelerator in EFLOP/s.
    """
    m, inp = pm.model, pm.inputs
    names = [w for w, is_inf in zip(inp.workloads, inp.inference, strict=True) if is_inf]
    if not names:
        return
    use = m.variables["use"].sel({W: names})
    phi = _da(inp.eflops_per_kacc, W, O, coords=coords).sel({W: names})
    demand = _da(inp.demand_eflops, W, T, coords=coords).sel({W: names})
    lhs = (use * phi).sum(O) + m.variables["unserved"].sel({W: names})
    m.add_constraints(lhs >= demand, name="demand", mask=demand > 0)


def add_training(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""Training FLOP inside the window: :math:`\sum_{o,t} \gamma_{w,o,t} x_{w,o,t} + v_w \ge F_w`.

    :math:`\gamma` is peak x MFU x seconds of the month of one k-accelerator (1e24 FLOP).
    """
    m, inp = pm.model, pm.inputs
    names = [w for w, f in zip(inp.workloads, inp.train_yflop, strict=True) if f > 0]
    if not names:
        return
    use = m.variables["use"].sel({W: names})
    gamma = _da(inp.yflop_per_kacc_month, W, O, T, coords=coords).sel({W: names})
    lhs = (use * gamma).sum([O, T]) + m.variables["train_short"].sel({W: names})
    rhs = _da(inp.train_yflop, W, coords=coords).sel({W: names})
    m.add_constraints(lhs >= rhs, name="training")


def add_single_site(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""A single-site run picks at most one site and uses only it.

    .. math::
        \sum_s y_{w,s} \le 1, \qquad
        \sum_{o \in s} x_{w,o,t} \le \Big(\sum_{o \in s} A_{o,t}\Big) y_{w,s}
    """
    m, inp = pm.model, pm.inputs
    n_s = len(inp.sites)
    # [W, S]: the workload has at least one usable offer at the site
    site_usable = np.zeros((len(inp.workloads), n_s), dtype=bool)
    any_use: np.ndarray = np.asarray(inp.allowed.any(axis=2))
    for si in range(n_s):
        site_usable[:, si] = any_use[:, inp.site_of == si].any(axis=1)
    mask = site_usable & inp.single_site[:, None]
    if not mask.any():
        return
    y = m.add_variables(
        coords=[coords[W], coords[S]],
        name="site_choice",
        binary=True,
        mask=_da(mask, W, S, coords=coords),
    )
    pm.single_site_names.append("site_choice")
    chooses = inp.single_site & mask.any(axis=1)
    m.add_constraints(y.sum(S) <= 1, name="one_site", mask=_da(chooses, W, coords=coords))
    site_names = xr.DataArray(
        [inp.sites[i] for i in inp.site_of], coords=[coords[O]], dims=[O], name=S
    )
    at_site = m.variables["use"].groupby(site_names).sum()
    big = np.zeros((n_s, len(inp.months)))
    np.add.at(big, inp.site_of, inp.avail_kacc)
    big_da = _da(big, S, T, coords=coords).sel({S: at_site.coords[S].values})
    y_aligned = y.sel({S: at_site.coords[S].values})
    link_mask = _da(mask, W, S, coords=coords).sel({S: at_site.coords[S].values})
    m.add_constraints(at_site - big_da * y_aligned <= 0, name="site_link", mask=link_mask)


def add_right_of_first_refusal(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""Right of first refusal: go elsewhere only when the counterparty is full.

    For term :math:`r` (covered workloads :math:`G_r`, counterparty offers :math:`C_r`
    and other offers :math:`E_r` usable by them), in each month of its window:

    .. math::
        \sum_{w \in G_r} x_{w,o,t} \le M_{o,t} z_{r,t} \quad \forall o \in E_r, \qquad
        \sum_w x_{w,o,t} \ge L_{o,t} z_{r,t} \quad \forall o \in C_r

    with :math:`L_{o,t} = \min(A_{o,t}, P_{s(o),t}/\omega_o)`, the most the offer can give
    alone, and :math:`M_{o,t} = \min(L_{o,t}, N_{o,t})` where :math:`N_{o,t}` is what
    the covered workloads could ever use of :math:`o` in :math:`t` (demand over
    per-accelerator throughput, or the whole training budget). Bounding each outside
    offer by its own :math:`M_{o,t}` keeps the relaxation tight.

    Two families of inequalities tighten the relaxation without changing the optimum
    (:func:`_add_rofr_tightening`): the dominance :math:`z_{r,t} \ge z_{q,t}` when
    :math:`C_r(t) \subseteq C_q(t)`, and one bound on what all groups of a clause take
    together of an outside offer; for each covered single-site run, that it goes
    outside only when the others fill the counterparty (:func:`_add_rofr_single_site`);
    and for the covered inference workloads, that the counterparty's offers serve their
    demand in a month the clause keeps them in, or are full (:func:`_add_rofr_fill_or_serve`).
    """
    m, inp = pm.model, pm.inputs
    use = m.variables["use"]
    limit = _rofr_limit(inp)
    need = _workload_need_kacc(inp)  # [W, O, T]
    terms: dict[int, _RofrVars] = {}
    for k, term in enumerate(inp.rofr):
        other_vars = inp.allowed[term.workloads][:, term.other_offers, :]
        months = term.months & other_vars.any(axis=(0, 1))
        if not months.any():
            continue
        month_idx = pd.Index([inp.months[t] for t in np.flatnonzero(months)], name=T)
        name = f"rofr_full[{k}]"
        z_all = m.add_variables(
            coords=[coords[T]], name=name, binary=True, mask=_da(months, T, coords=coords)
        )
        z = z_all.sel({T: month_idx})
        pm.rofr_names.append(name)
        w_names = [inp.workloads[i] for i in np.flatnonzero(term.workloads)]
        e_idx = np.flatnonzero(term.other_offers)
        e_keys = pd.Index([inp.refs[i].key for i in e_idx], name=O)
        group_need = need[term.workloads][:, e_idx][:, :, months].sum(axis=0)
        usable: np.ndarray = np.asarray(other_vars.any(axis=0))
        big = np.minimum(limit[e_idx][:, months], group_need)
        big_da = xr.DataArray(big, coords=[e_keys, month_idx], dims=[O, T])
        outside = use.sel({W: w_names, O: e_keys, T: month_idx}).sum(W)
        m.add_constraints(
            outside - big_da * z <= 0,
            name=f"rofr_outside[{k}]",
            mask=xr.DataArray(usable[:, months], coords=[e_keys, month_idx]),
        )
        _add_rofr_single_site(pm, k, months, month_idx, z, limit)
        c_idx = np.flatnonzero(term.cp_offers)
        outside_usable = np.zeros_like(inp.avail_kacc, dtype=bool)  # [O, T]
        outside_usable[e_idx] = usable
        outside_usable &= months[None, :]
        cp_sets = [frozenset(int(c) for c in c_idx if limit[c, t] > 0) for t in range(len(months))]
        terms[k] = _RofrVars(term, months, cp_sets, z_all, outside_usable)
        if len(c_idx) == 0:
            continue
        c_keys = pd.Index([inp.refs[i].key for i in c_idx], name=O)
        lim = xr.DataArray(limit[c_idx][:, months], coords=[c_keys, month_idx], dims=[O, T])
        taken = use.sel({O: c_keys, T: month_idx}).sum(W)
        m.add_constraints(taken - lim * z >= 0, name=f"rofr_taken[{k}]", mask=lim > 0)
        _add_rofr_fill_or_serve(pm, k, months, month_idx, z, limit)
    _add_rofr_tightening(pm, coords, terms, limit)


def _add_rofr_fill_or_serve(
    pm: PlanModel,
    k: int,
    months: npt.NDArray[np.bool_],
    month_idx: pd.Index,
    z: linopy.Variable,
    limit: np.ndarray,
) -> None:
    r"""*Fill or serve*: the counterparty is full, or it serves the group's demand (issue #18).

    Let :math:`I_r \subseteq G_r` be the covered inference workloads that may use only
    offers of :math:`C_r \cup E_r` (all of them: a group is formed on accelerators),
    :math:`D_{I,t} = \sum_{w \in I_r} D_{w,t}` and
    :math:`\alpha_c = \max_{w \in I_r} \phi_{w,c}` the most EFLOP/s one k-accelerator of
    :math:`c` serves any of them. In each month of the term's window with
    :math:`D_{I,t} > 0`:

    .. math::
        \sum_{c \in C_r} \alpha_c \sum_w x_{w,c,t} + \sum_{w \in I_r} u_{w,t}
        \ge \Big(\sum_{c \in C_r} \alpha_c L_{c,t}\Big) z_{r,t} + D_{I,t} (1 - z_{r,t})

    Valid for every plan, so the optimum is unchanged: with :math:`z_{r,t} = 1` each
    :math:`c` is taken to :math:`L_{c,t}` (``rofr_taken``); with :math:`z_{r,t} = 0` the
    group uses no outside offer, so each :math:`w \in I_r`'s demand row reads
    :math:`\sum_{c} \phi_{w,c} x_{w,c,t} + u_{w,t} \ge D_{w,t}`, and summing over
    :math:`I_r` with :math:`\phi_{w,c} \le \alpha_c` gives the row. The big-M rows alone
    let the relaxation take a fraction :math:`z` of each counterparty offer and serve the
    rest of the demand outside at that same fraction; this row makes the part of the plan
    that keeps out of outside offers serve its demand at the counterparty. On the
    default scenario it lifts the LP relaxation from 1.9% to 0.26% under the optimum.
    """
    m, inp = pm.model, pm.inputs
    term = inp.rofr[k]
    c_idx = np.flatnonzero(term.cp_offers)
    elsewhere = ~(term.cp_offers | term.other_offers)
    only_c_e = ~inp.allowed[:, elsewhere, :].any(axis=(1, 2))
    group = np.flatnonzero(term.workloads & inp.inference & only_c_e)
    if len(c_idx) == 0 or len(group) == 0:
        return
    t_idx = np.flatnonzero(months)
    demand = inp.demand_eflops[group][:, t_idx].sum(axis=0)  # [Tm]
    alpha = inp.eflops_per_kacc[group][:, c_idx].max(axis=0)  # [C]
    full = alpha @ limit[c_idx][:, t_idx]  # [Tm]
    ck = pd.Index([inp.refs[i].key for i in c_idx], name=O)
    use = m.variables["use"].sel({O: ck, T: month_idx})
    served = (use.sum(W) * xr.DataArray(alpha, coords=[ck])).sum(O)
    names = [inp.workloads[i] for i in group]
    short = m.variables["unserved"].sel({W: names, T: month_idx}).sum(W)
    coef = xr.DataArray(full - demand, coords=[month_idx])
    rhs = xr.DataArray(demand, coords=[month_idx])
    name = f"rofr_serve[{k}]"
    m.add_constraints(served + short - coef * z >= rhs, name=name, mask=rhs > 0)
    pm.rofr_rows[name] = [k]


#: Largest ratio of coefficients the single-site run rows put in one row.
_RUN_COEF_RATIO = 1e4


def _add_rofr_single_site(
    pm: PlanModel,
    k: int,
    months: npt.NDArray[np.bool_],
    month_idx: pd.Index,
    z: linopy.Variable,
    limit: np.ndarray,
) -> None:
    r"""Valid inequalities for the covered single-site runs of term :math:`r` (issue #18).

    A single-site run :math:`w` uses one site. Its *outside share* in month :math:`t`,
    :math:`\sigma_{w,t} = \sum_{o \in E_r} x_{w,o,t} / L^E_{w,s(o),t}`, with
    :math:`L^E_{w,s,t}` the sum of the limits of the outside offers at site :math:`s`
    the run may use, is at most 1, and positive only at an outside site with
    :math:`z_{r,t} = 1`, where each of those offers holds at most :math:`L_{o,t}`. So

    .. math::
        \sigma_{w,t} \le z_{r,t}, \qquad
        \sum_{w'} x_{w',c,t} - x_{w,c,t} \ge L_{c,t} \, \sigma_{w,t}
        \quad \forall c \in C_r

    (*run outside*, *filled by others*): when the run is outside, the counterparty's
    offers are full and the run is not at their sites, so the others fill them. The
    big-M rows let the relaxation count a run's own use at the counterparty (a fraction
    of it there) towards the fill that lets the rest of it go outside; these rows do not.
    """
    m, inp = pm.model, pm.inputs
    term = inp.rofr[k]
    runs = np.flatnonzero(term.workloads & inp.single_site)
    t_idx = np.flatnonzero(months)
    usable = (
        inp.allowed[runs][:, :, t_idx]
        & term.other_offers[None, :, None]
        & (limit[None, :, t_idx] > 0)
    )  # [R, O, Tm]
    if not usable.any():
        return
    per_site = np.zeros((len(runs), len(inp.sites), len(t_idx)))
    usable_limit = np.where(usable, limit[None, :, t_idx], 0.0)
    for o, site in enumerate(inp.site_of):
        per_site[:, site, :] += usable_limit[:, o, :]
    site_limit = np.where(usable, per_site[:, inp.site_of, :], np.inf)  # [R, O, Tm]
    # Conditioning: a site whose outside limit is tiny against the counterparty's would
    # put coefficients L(c) / L^E far apart in one row; such sites are left out of the
    # share (a smaller share keeps both rows valid).
    c_top = limit[term.cp_offers][:, t_idx].max(axis=0, initial=0.0)  # [Tm]
    site_limit = np.where(site_limit * _RUN_COEF_RATIO < c_top[None, None, :], np.inf, site_limit)
    smallest = site_limit.min(axis=1)  # [R, Tm], rows scaled so that weights are <= 1
    has = np.isfinite(smallest)
    rk = pd.Index([inp.workloads[i] for i in runs], name=W)
    ok = pd.Index([r.key for r in inp.refs], name=O)
    use = m.variables["use"]
    share = (
        use.sel({W: rk, T: month_idx})
        * xr.DataArray(np.where(usable, 1.0 / site_limit, 0.0), coords=[rk, ok, month_idx])
    ).sum(O)
    scale = xr.DataArray(np.where(has, smallest, 0.0), coords=[rk, month_idx])
    name = f"rofr_run[{k}]"
    m.add_constraints(scale * share - scale * z <= 0, name=name, mask=scale > 0)
    pm.rofr_rows[name] = [k]
    c_idx = np.flatnonzero(term.cp_offers)
    if len(c_idx) == 0:
        return
    ck = pd.Index([inp.refs[i].key for i in c_idx], name=O)
    lim_c = xr.DataArray(limit[c_idx][:, t_idx], coords=[ck, month_idx])
    taken = use.sel({O: ck, T: month_idx}).sum(W)
    own = use.sel({W: rk, O: ck, T: month_idx})
    name = f"rofr_run_fill[{k}]"
    m.add_constraints(taken - own - lim_c * share >= 0, name=name, mask=(lim_c > 0) & (scale > 0))
    pm.rofr_rows[name] = [k]


@dataclass(frozen=True)
class _RofrVars:
    """One right-of-first-refusal term as built: its months, its :math:`C_r(t)`, its z."""

    term: RofrTerm
    months: npt.NDArray[np.bool_]  # [T] z exists
    cp_sets: list[frozenset[int]]  # [T] counterparty offers with a positive limit
    z: linopy.Variable  # over every month, masked outside ``months``
    outside: npt.NDArray[np.bool_]  # [O, T] outside offer usable by the group, z exists


def _rofr_limit(inp: PlanInputs) -> np.ndarray:
    """[O, T] :math:`L_{o,t}`: the most of an offer usable alone (availability, power)."""
    return np.asarray(
        np.minimum(inp.avail_kacc, inp.power_cap_mw[inp.site_of] / inp.mw_per_kacc[:, None])
    )


def _add_rofr_tightening(
    pm: PlanModel, coords: dict[str, pd.Index], terms: dict[int, _RofrVars], limit: np.ndarray
) -> None:
    r"""Valid inequalities of the right of first refusal (they keep an optimal plan).

    *Dominance.* When :math:`C_r(t) \subseteq C_q(t)` (ties broken by index),
    :math:`z_{r,t} \ge z_{q,t}`: with :math:`q`'s counterparty offers full, so are
    :math:`r`'s, and :math:`z_{r,t} = 1` only lifts a restriction; any plan keeps its
    cost with :math:`z_r` raised.

    *Shared outside offer.* The groups :math:`R` (disjoint workloads: of one clause, or
    of clauses that cover no workload twice) that may use outside offer :math:`o` in
    :math:`t` take together at most :math:`L_{o,t}`,
    and only if one of them may go outside:
    :math:`\sum_{r \in R} X_{r,o,t} \le L_{o,t} \max_{r \in R} z_{r,t}`. With a term
    :math:`q` whose :math:`C_q(t)` holds every :math:`C_r(t)` (so :math:`z_r \ge z_q`),
    :math:`\max_r z_r \le \sum_{r \in R} z_r - (|R| - 1) z_q` for binaries, which gives
    the linear bound added here (each group's own big-M bound lets the relaxation spend
    one fractional fill of the counterparty on several groups).
    """
    m, inp = pm.model, pm.inputs
    n_t = len(inp.months)
    keys = sorted(terms)
    dominated: dict[tuple[int, int], np.ndarray] = {}
    for r in keys:
        for q in keys:
            if r == q:
                continue
            a, b = terms[r], terms[q]
            mask = np.array(
                [
                    bool(a.months[t] and b.months[t])
                    and (a.cp_sets[t] < b.cp_sets[t] or (a.cp_sets[t] == b.cp_sets[t] and r < q))
                    for t in range(n_t)
                ]
            )
            if mask.any():
                dominated[(r, q)] = mask
                name = f"rofr_dominance[{r},{q}]"
                m.add_constraints(a.z - b.z >= 0, name=name, mask=_da(mask, T, coords=coords))
                pm.rofr_rows[name] = [r, q]
    _add_rofr_shared(pm, coords, terms, keys, dominated, limit)


def remove_rofr_tightening(pm: PlanModel) -> list[str]:
    """Remove the valid inequalities of the right of first refusal (before solving).

    What is left is the plain big-M formulation (:func:`add_right_of_first_refusal`
    without :func:`_add_rofr_tightening`), with the same optimum; benchmarks and tests
    compare the two. Returns the names of the removed constraints.
    """
    removed = [name for name in pm.rofr_rows if name in pm.model.constraints]
    for name in removed:
        pm.model.remove_constraints(name)
        del pm.rofr_rows[name]
    return removed


def _add_rofr_shared(
    pm: PlanModel,
    coords: dict[str, pd.Index],
    terms: dict[int, _RofrVars],
    keys: list[int],
    dominated: dict[tuple[int, int], np.ndarray],
    limit: np.ndarray,
) -> None:
    """The shared-outside-offer bounds, one row per (outside offer, month) where they apply.

    Row (o, t) holds :math:`x_{w,o,t}` of the workloads of the groups that may use
    :math:`o` in :math:`t` (and only those) and the z of the groups involved.
    """
    m, inp = pm.model, pm.inputs
    n_o, n_t = len(inp.refs), len(inp.months)
    coef = {r: np.zeros((n_o, n_t)) for r in keys}
    weight = np.zeros((len(inp.workloads), n_o, n_t))  # [W, O, T] x in the row
    active = np.zeros((n_o, n_t), dtype=bool)
    for o in range(n_o):
        for t in range(n_t):
            group = [r for r in keys if terms[r].outside[o, t]]
            if len(group) < 2:
                continue
            covered = np.sum([terms[r].term.workloads for r in group], axis=0)
            if int(covered.max()) > 1:
                continue  # groups of several clauses covering one workload
            union = frozenset().union(*(terms[r].cp_sets[t] for r in group))
            tops = [
                q
                for q in keys
                if terms[q].months[t]
                and union <= terms[q].cp_sets[t]
                and all(r == q or ((r, q) in dominated and dominated[(r, q)][t]) for r in group)
            ]
            if not tops:
                continue
            for r in group:
                coef[r][o, t] += 1.0
            coef[tops[0]][o, t] -= len(group) - 1
            weight[covered > 0, o, t] = 1.0
            active[o, t] = True
    if not active.any():
        return
    expr = (m.variables["use"] * _da(weight, W, O, T, coords=coords)).sum(W)
    involved = [r for r in keys if coef[r].any()]
    for r in involved:
        expr = expr - terms[r].z * _da(coef[r] * limit, O, T, coords=coords)
    m.add_constraints(expr <= 0, name="rofr_shared", mask=_da(active, O, T, coords=coords))
    pm.rofr_rows["rofr_shared"] = involved


def _workload_need_kacc(inp: PlanInputs) -> np.ndarray:
    """[W, O, T] the most k-accelerators of offer o workload w could use in month t."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inference = np.where(
            inp.eflops_per_kacc[:, :, None] > 0,
            inp.demand_eflops[:, None, :] / inp.eflops_per_kacc[:, :, None],
            0.0,
        )
        training = np.where(
            inp.yflop_per_kacc_month > 0,
            inp.train_yflop[:, None, None] / inp.yflop_per_kacc_month,
            0.0,
        )
    need = np.where(inp.inference[:, None, None], inference, training)
    return np.where(inp.allowed, need, 0.0)


def add_min_spend(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    r"""Minimum spend (take-or-pay).

    .. math:: \sum_{o \in p, t \in K} \kappa_{o,t} c_{o,t} + m_k \ge U_k

    :math:`U_k` is the commitment prorated to the months of its window inside the horizon.
    """
    m, inp = pm.model, pm.inputs
    if not inp.min_spend:
        return
    idx = pd.Index([t.name for t in inp.min_spend], name="clause")
    short = m.add_variables(lower=0, coords=[idx], name="min_spend_short")
    installed = m.variables["installed"]
    kappa = _da(inp.cost_musd_per_kacc, O, T, coords=coords)
    for k, term in enumerate(inp.min_spend):
        weight = kappa * xr.DataArray(
            np.outer(term.offers, term.months).astype(float),
            coords=[coords[O], coords[T]],
            dims=[O, T],
        )
        lhs = (installed * weight).sum() + short.sel(clause=idx[k])
        m.add_constraints(lhs >= term.amount_musd, name=f"min_spend[{k}]")


def add_objective(pm: PlanModel, coords: dict[str, pd.Index]) -> None:
    """Discounted spend plus lost net revenue plus penalties (see the module docstring)."""
    m, inp = pm.model, pm.inputs
    delta = _da(inp.discount, T, coords=coords)
    kappa = _da(inp.cost_musd_per_kacc, O, T, coords=coords)
    elec = _da(inp.elec_musd_per_kacc, O, T, coords=coords)
    terms = [
        (m.variables["installed"] * (kappa * delta)).sum(),
        (m.variables["use"].sum(W) * (elec * delta)).sum(),
        (
            m.variables["unserved"]
            * (_da(inp.unserved_musd_per_eflops, W, T, coords=coords) * delta)
        ).sum(),
        (
            m.variables["train_short"]
            * _da(inp.discount[inp.train_end] * inp.penalty_musd_per_yflop, W, coords=coords)
        ).sum(),
    ]
    if inp.min_spend:
        pay = np.array([inp.discount[t.pay_month] for t in inp.min_spend])
        short = m.variables["min_spend_short"]
        terms.append((short * xr.DataArray(pay, coords=[short.coords["clause"]])).sum())
    terms.extend(pm.extra_costs)
    objective = terms[0]
    for term in terms[1:]:
        objective = objective + term
    m.add_objective(objective, overwrite=True)


CONSTRAINT_FAMILIES = (
    add_availability,
    add_terms_and_lifetimes,
    add_power,
    add_inference_demand,
    add_training,
    add_single_site,
    add_right_of_first_refusal,
    add_min_spend,
)


def build_model(inputs: PlanInputs, *, allow_shortfall: bool = True) -> PlanModel:
    """Build the linopy model of a scenario's inputs (see the module docstring)."""
    pm = PlanModel(linopy.Model(force_dim_names=True), inputs, allow_shortfall=allow_shortfall)
    coords = _coords(inputs)
    with warnings.catch_warnings():
        # The model relies on linopy's legacy semantics: an absent (masked) slot
        # contributes nothing to a sum. linopy is pinned below the release that
        # changes this default.
        warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
        add_variables(pm, coords)
        for family in CONSTRAINT_FAMILIES:
            family(pm, coords)
        add_supply_limits(pm, coords)
        if is_funded(inputs):
            pm.funded = True
            cost = add_funding(pm.model, inputs, coords)
            if cost is not None:
                pm.extra_costs.append(cost)
        add_objective(pm, coords)
    return pm
