r"""Monte Carlo forecast: sample the uncertain inputs, evaluate every month, summarise.

For samples :math:`i = 0..N-1` (drawn as in :mod:`gigawatt.forecast.sampling`) and
months :math:`t`, :class:`ForecastModel` computes demand
(:mod:`~gigawatt.forecast.demand`), contracted supply and its merit-order use
(:mod:`~gigawatt.forecast.supply`, :mod:`~gigawatt.forecast.merit`) and money
(:mod:`~gigawatt.forecast.finance`) as ``[samples, months]`` arrays, one chunk of
samples at a time, so memory stays bounded by the chunk size plus the band stores.

Reported per month:

* quantile bands (p5, p25, p50, p75, p95) and the mean of every quantity in
  :data:`~gigawatt.forecast.result.QUANTITIES`;
* :math:`P(\text{gap}_t > 10^{-9} D_t)`: demand exceeds what the contracted supply can
  serve (under pins, accelerator lists and power caps);
* :math:`P(C_t < \underline{C})`: cash below the floor (``finance.cash_floor_usd``,
  default 0; the columns keep the name ``p_cash_negative``);
* the same two events "at or before month :math:`t`" (``..._by_month``, cumulative).

Per sample: the funding needed to keep cash at or above the floor,
:math:`\max(0, \underline{C} - \min_t C_t)` (p50 and p90 reported), the final cash and the total gap
:math:`\sum_t \text{gap}_t \cdot 3600 h_t` FLOP. Sensitivity: Spearman correlation of
each sampled input with final cash and total gap over the first
:data:`SENSITIVITY_SAMPLES` samples.

Bands are exact (:class:`~gigawatt.forecast.stats.ExactStore`) when the stores fit the
memory budget; otherwise the run makes two passes (ranges, then histograms) and the
bands are approximate within one bin (``quantile_method`` in the summary says which).
Every per-sample value depends only on the seed and the sample index, so results are
identical whatever the chunk size.
"""

from __future__ import annotations

import ctypes
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from gigawatt.forecast.model import ChunkOutputs, ForecastModel
from gigawatt.forecast.options import DEFAULT_CHUNK, DEFAULT_MEMORY_MB, check_options
from gigawatt.forecast.result import QUANTITIES, Forecast
from gigawatt.forecast.stats import ExactStore, HistogramStore, RangeStore
from gigawatt.forecast.summary import Store, Tally, assemble
from gigawatt.scenario.schema import Scenario

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_MEMORY_MB",
    "SENSITIVITY_SAMPLES",
    "keep_freed_memory",
    "run_forecast",
]

Progress = Callable[[int, int], None]

SENSITIVITY_SAMPLES = 50_000
_DERIVED = ("demand_twh",)


def keep_freed_memory() -> bool:
    """Keep memory freed by numpy in the process instead of returning it to the system.

    A forecast allocates and frees many ``[months, chunk]`` temporaries. glibc's default
    policy hands large freed blocks back to the kernel, so the next temporary is
    page-faulted afresh: on the benchmark machine about a million faults per 100,000 x
    120 run, over half of its time. This sets glibc's mmap threshold to 32 MiB (its
    maximum; blocks below it come from the heap) and its trim threshold to 1 GiB
    (``mallopt``), so freed blocks are reused. It changes the whole process and cannot
    be undone; the ``forecast`` command calls it, library users may. Returns whether it
    took effect (False off glibc).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(
            libc.mallopt(m_mmap_threshold, 32 << 20) and libc.mallopt(m_trim_threshold, 1 << 30)
        )
    except (OSError, AttributeError):
        return False


def _chunks(samples: int, chunk: int) -> list[tuple[int, int]]:
    return [(a, min(a + chunk, samples)) for a in range(0, samples, chunk)]


def _evaluated(
    model: ForecastModel, spans: list[tuple[int, int]], seed: int, workers: int
) -> Iterator[tuple[int, ChunkOutputs]]:
    """Chunk outputs in order; with workers, at most two chunks per worker in flight."""
    if workers <= 1:
        for a, b in spans:
            yield a, model.evaluate(a, b, seed)
        return
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[tuple[int, Future[ChunkOutputs]]] = deque()
        for a, b in spans:
            pending.append((a, pool.submit(model.evaluate, a, b, seed)))
            if len(pending) >= 2 * workers:
                first, future = pending.popleft()
                yield first, future.result()
        while pending:
            first, future = pending.popleft()
            yield first, future.result()


def run_forecast(
    scenario: Scenario,
    *,
    samples: int = 10_000,
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    memory_mb: float = DEFAULT_MEMORY_MB,
    workers: int = 1,
    progress: Progress | None = None,
) -> Forecast:
    """Run the Monte Carlo forecast of a scenario.

    Args:
        scenario: The scenario (its ``uncertainty`` section says what is sampled).
        samples: Number of samples :math:`N`.
        seed: Seed of the run; the same seed gives the same results.
        chunk: Samples evaluated at once (memory and speed; not the results).
        memory_mb: Budget for the exact band stores; above it bands come from histograms.
        workers: Threads evaluating chunks, and then selecting quantiles, at once (numpy
            releases the GIL in its loops); the results do not depend on it.
        progress: Called with (samples done, samples to do) after each chunk.

    Returns:
        The forecast.

    Raises:
        GigawattError: a bad argument.
        ScenarioError: the ``uncertainty`` section cannot be sampled.
    """
    check_options(samples=samples, seed=seed, chunk=chunk, memory_mb=memory_mb, workers=workers)
    began = time.perf_counter()
    model = ForecastModel(scenario)
    t = model.timeline.n_months
    names = [q for q in QUANTITIES if q not in _DERIVED and (q != "cash_usd" or model.has_cash)]
    scalar_names = ["funding_needed_usd"] if model.has_cash else []
    bytes_needed = ExactStore.bytes_needed(samples, t * len(names) + len(scalar_names))
    exact = bytes_needed <= memory_mb * 2**20
    spans = _chunks(samples, chunk)
    passes = 1 if exact else 2
    done = 0

    def run_pass(stores: dict[str, Store], final: bool) -> Tally:
        nonlocal done
        tally = Tally(
            t,
            min(samples, SENSITIVITY_SAMPLES),
            len(model.uncertainty.names),
            model.gap_tally(),
            floor_usd=model.cash_floor_usd,
        )
        for a, out in _evaluated(model, spans, seed, workers):
            for q in names:
                stores[q].add(a, out.quantities[q], out.n)
            if out.funding_needed_usd is not None:
                stores["funding_needed_usd"].add(a, out.funding_needed_usd[None, :], out.n)
            if final:
                tally.add(a, out)
            done += out.n
            if progress is not None:
                progress(done, samples * passes)
        return tally

    stores: dict[str, Store]
    if exact:
        stores = {q: ExactStore(samples, t) for q in names}
        stores.update({q: ExactStore(samples, 1) for q in scalar_names})
    else:
        ranges: dict[str, Store] = {q: RangeStore(t) for q in names}
        ranges.update({q: RangeStore(1) for q in scalar_names})
        run_pass(ranges, final=False)
        stores = {
            q: HistogramStore(samples, r.low, r.high)
            for q, r in ranges.items()
            if isinstance(r, RangeStore)
        }
    try:
        tally = run_pass(stores, final=True)
        return assemble(model, stores, tally, samples, seed, chunk, exact, began, workers)
    finally:
        for store in stores.values():
            if isinstance(store, ExactStore):
                store.close()  # its memory serves the next run of this process
