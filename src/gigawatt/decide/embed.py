"""Copy a built linopy model into another one, under prefixed names.

The extensive form holds one copy of the planning model per future. The planner's
builder (:func:`gigawatt.plan.model.build_model`) makes one model per scenario; this
module copies each into the extensive form as it is (same variables, bounds, masks,
rows, signs and right-hand sides), its names prefixed with the future (``s3/use``),
and returns its objective as an expression of the copy. No constraint family is
written a second time.

Variable labels are integers numbering a model's columns; copying renumbers them, and
every row's and the objective's references are mapped through the same table.
"""

from __future__ import annotations

import warnings

import linopy
import numpy as np
import numpy.typing as npt
import xarray as xr
from linopy.config import LinopySemanticsWarning

__all__ = ["embed_model"]


def _remap(table: npt.NDArray[np.int64], labels: xr.DataArray) -> xr.DataArray:
    values = np.asarray(labels.values)
    mapped = np.where(values >= 0, table[np.where(values >= 0, values, 0)], -1)
    return labels.copy(data=mapped)


def embed_model(target: linopy.Model, source: linopy.Model, prefix: str) -> linopy.LinearExpression:
    """Add every variable and constraint of ``source`` to ``target`` as ``prefix + name``.

    Returns:
        The objective of ``source`` as an expression of ``target``'s copy.
    """
    table = np.full(max(int(source._xCounter), 1), -1, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
        for name in source.variables:
            var = source.variables[name]
            exists = var.labels != -1
            if var.attrs["binary"]:
                copy = target.add_variables(
                    coords=var.labels.coords, name=prefix + name, mask=exists, binary=True
                )
            else:
                copy = target.add_variables(
                    lower=var.lower,
                    upper=var.upper,
                    coords=var.labels.coords,
                    name=prefix + name,
                    mask=exists,
                    integer=bool(var.attrs["integer"]),
                )
            old = np.asarray(var.labels.values).ravel()
            new = np.asarray(copy.labels.values).ravel()
            keep = old != -1
            table[old[keep]] = new[keep]
        for name in source.constraints:
            con = source.constraints[name]
            data = xr.Dataset(
                {
                    "coeffs": con.coeffs,
                    "vars": _remap(table, con.vars),
                    "const": xr.zeros_like(con.rhs, dtype=float),
                }
            )
            lhs = linopy.LinearExpression(data, target)
            target.add_constraints(
                lhs, con.sign, con.rhs, name=prefix + name, mask=con.labels != -1
            )
        objective = source.objective.expression
        data = objective.data.assign(vars=_remap(table, objective.data["vars"]))
        return linopy.LinearExpression(data, target)
