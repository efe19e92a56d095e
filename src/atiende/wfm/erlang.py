"""Staffing maths: Erlang B, Erlang C and Erlang A (M/M/n+M), exact and vectorised.

Everything here is pure numpy/scipy (no Django) and broadcasts: pass scalars, or arrays
for a whole week of intervals or a what-if grid, and get arrays back in one call.

Numerics (no factorials, stable from 0.1 to 20,000+ Erlangs):

* Erlang B is ``pmf(n; a) / cdf(n; a)`` of a Poisson variable, computed in log space with
  the regularised incomplete gamma function (``cdf(n; a) = Q(n + 1, a)``). Where ``Q``
  underflows (far overloaded trunks, ``a >> n``) the exact series
  ``1/B = Σ_j n!/((n-j)! a^j)`` is summed instead (it converges geometrically there).
* Erlang C follows from B: ``C = B / (1 - ρ(1 - B))`` with ``ρ = a/n < 1`` (``C = 1``
  when ``n <= a``).
* Erlang A (Garnett, Mandelbaum & Reiman 2002) uses the exact birth–death solution with
  ``A(x, y) = x e^y y^-x γ(x, y)``, ``x = nμ/θ``, ``y = λ/θ``, again in log space with
  ``scipy.special.gammainc``; the service level comes from the offered-wait density
  integrated in closed form (``γ(x+1, ·)``), not from a truncated state space.

Units: ``calls`` per ``interval`` seconds, handle time ``aht`` and ``answer_time`` and
mean ``patience`` in seconds. ``asa`` is the mean wait over all offered contacts
(for Erlang A it is ``P(abandon) · patience``, by Little's law, which tends to the
Erlang C ASA as patience grows).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_TINY = 1e-280

# scipy.special is imported inside the functions that use it: this module is imported by
# the URLconf (through the WFM views), and every process that reverses a URL would
# otherwise pay for scipy at start.


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _log_inv_b_series(n: FloatArray, a: FloatArray, terms: int = 4000) -> FloatArray:
    """``log(1/B(n, a))`` by the series ``Σ_j Π_{i<j} (n - i)/a`` (used where a >> n)."""
    total = np.ones_like(a)
    term = np.ones_like(a)
    for j in range(terms):
        term = term * np.maximum(n - j, 0.0) / a
        total = total + term
        if not np.any(term > total * 1e-17):
            break
    return np.log(total)


def log_erlang_b(servers: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Natural log of the Erlang B blocking probability for ``servers`` lines and ``traffic`` Erlangs."""
    n, a = np.broadcast_arrays(_f(servers), _f(traffic))
    n = np.array(n, dtype=np.float64)
    a = np.array(a, dtype=np.float64)
    out = np.zeros(n.shape, dtype=np.float64)  # log 1 for a == 0? no: B(n, 0) = 0 for n > 0
    zero_servers = n <= 0
    zero_traffic = (a <= 0) & ~zero_servers
    ok = ~zero_servers & ~zero_traffic
    if np.any(ok):
        from scipy import special  # type: ignore[import-untyped]

        nn, aa = n[ok], a[ok]
        log_pmf = nn * np.log(aa) - aa - special.gammaln(nn + 1.0)
        cdf = special.gammaincc(nn + 1.0, aa)
        res = np.empty_like(nn)
        good = cdf > _TINY
        res[good] = log_pmf[good] - np.log(cdf[good])
        if np.any(~good):
            res[~good] = -_log_inv_b_series(nn[~good], aa[~good])
        out[ok] = np.minimum(res, 0.0)
    out[zero_traffic] = -np.inf
    out[zero_servers] = 0.0
    return out


def erlang_b(servers: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang B: probability that an arrival finds all ``servers`` busy (blocked, lost)."""
    return np.exp(log_erlang_b(servers, traffic))


def erlang_c(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang C: probability that an arrival waits (M/M/n, infinite patience); 1 if n <= a."""
    n, a = np.broadcast_arrays(_f(agents), _f(traffic))
    b = erlang_b(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(n > 0, a / np.where(n > 0, n, 1.0), np.inf)
        c = b / (1.0 - rho * (1.0 - b))
    c = np.where(rho < 1.0, np.clip(c, 0.0, 1.0), 1.0)
    return np.asarray(np.where(a <= 0, 0.0, c), dtype=np.float64)


def _log_gmr_a(x: FloatArray, y: FloatArray) -> FloatArray:
    """``log A(x, y)``, ``A(x, y) = x e^y y^-x γ(x, y) = Σ_j y^j / Π_{i=1..j} (x + i)``."""
    from scipy import special  # type: ignore[import-untyped]

    p = special.gammainc(x, y)
    out = np.empty_like(x)
    good = p > _TINY
    out[good] = np.log(x[good]) + y[good] - x[good] * np.log(y[good]) + special.gammaln(x[good]) + np.log(p[good])
    if np.any(~good):  # y far below x: the series converges fast
        xs, ys = x[~good], y[~good]
        total = np.ones_like(xs)
        term = np.ones_like(xs)
        for j in range(1, 2000):
            term = term * ys / (xs + j)
            total = total + term
            if not np.any(term > total * 1e-17):
                break
        out[~good] = np.log(total)
    return out


@dataclass(frozen=True)
class Metrics:
    """Per-interval performance of a staffing level (arrays, broadcast from the inputs)."""

    agents: FloatArray
    traffic: FloatArray
    service_level: FloatArray
    asa: FloatArray
    occupancy: FloatArray
    p_wait: FloatArray
    abandon_rate: FloatArray


def traffic_intensity(calls: ArrayLike, interval: ArrayLike, aht: ArrayLike) -> FloatArray:
    """Offered load in Erlangs: ``calls · aht / interval``."""
    return np.asarray(_f(calls) * _f(aht) / _f(interval), dtype=np.float64)


def metrics(
    *,
    agents: ArrayLike,
    calls: ArrayLike,
    interval: ArrayLike,
    aht: ArrayLike,
    answer_time: ArrayLike,
    patience: ArrayLike | None = None,
) -> Metrics:
    """Service level, ASA, occupancy, P(wait) and abandonment for ``agents`` (Erlang C, or A with ``patience``)."""
    n, lam_calls, T, s, t = np.broadcast_arrays(_f(agents), _f(calls), _f(interval), _f(aht), _f(answer_time))
    a = lam_calls * s / T
    if patience is None:
        return _metrics_c(n, a, s, t)
    pat = np.broadcast_to(_f(patience), n.shape)
    if np.all(np.isinf(pat)):
        return _metrics_c(n, a, s, t)
    return _metrics_a(n, a, s, t, pat)


def _metrics_c(n: FloatArray, a: FloatArray, s: FloatArray, t: FloatArray) -> Metrics:
    c = erlang_c(n, a)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sl = np.where(stable, 1.0 - c * np.exp(-(n - a) * t / s), 0.0)
        asa = np.where(stable, c * s / (n - a), np.inf)
        occ = np.where(n > 0, np.minimum(a / n, 1.0), np.where(a > 0, 1.0, 0.0))
    sl = np.where(a <= 0, 1.0, sl)
    asa = np.where(a <= 0, 0.0, asa)
    return Metrics(
        agents=np.asarray(n, dtype=np.float64),
        traffic=np.asarray(a, dtype=np.float64),
        service_level=np.clip(sl, 0.0, 1.0),
        asa=asa,
        occupancy=occ,
        p_wait=c,
        abandon_rate=np.zeros_like(c),
    )


def _metrics_a(n: FloatArray, a: FloatArray, s: FloatArray, t: FloatArray, patience: FloatArray) -> Metrics:
    shape = n.shape
    n, a, s, t, patience = (np.array(v, dtype=np.float64).ravel() for v in (n, a, s, t, patience))
    sl = np.ones_like(n)
    asa = np.zeros_like(n)
    occ = np.zeros_like(n)
    pw = np.zeros_like(n)
    ab = np.zeros_like(n)
    inf_pat = np.isinf(patience)
    if np.any(inf_pat):
        mc = _metrics_c(n[inf_pat], a[inf_pat], s[inf_pat], t[inf_pat])
        sl[inf_pat], asa[inf_pat], occ[inf_pat], pw[inf_pat], ab[inf_pat] = (
            mc.service_level,
            mc.asa,
            mc.occupancy,
            mc.p_wait,
            mc.abandon_rate,
        )
    no_staff = ~inf_pat & (n <= 0) & (a > 0)
    sl[no_staff], asa[no_staff], occ[no_staff], pw[no_staff], ab[no_staff] = 0.0, patience[no_staff], 0.0, 1.0, 1.0
    ok = ~inf_pat & (n > 0) & (a > 0)
    if np.any(ok):
        nn, aa, ss, tt, pp = n[ok], a[ok], s[ok], t[ok], patience[ok]
        mu = 1.0 / ss
        theta = 1.0 / pp
        lam = aa * mu
        x = nn * mu / theta
        y = lam / theta
        log_a = _log_gmr_a(x, y)
        big_a = np.exp(np.minimum(log_a, 700.0))
        b = erlang_b(nn, aa)
        # P(W > 0) = A·B / (1 + (A - 1)·B), written to avoid A·B overflow.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            p_wait = np.where(
                log_a > 700.0, 1.0 / (1.0 + (1.0 - b) / (b * big_a)), big_a * b / (1.0 + (big_a - 1.0) * b)
            )
        p_wait = np.clip(np.nan_to_num(p_wait, nan=1.0), 0.0, 1.0)
        rho = aa / nn
        # P(Ab | W > 0) = 1 - 1/ρ + 1/(ρ A)
        p_ab_given_wait = np.clip(1.0 - 1.0 / rho + np.exp(-log_a) / rho, 0.0, 1.0)
        p_ab = p_wait * p_ab_given_wait
        # Served within t given W > 0 (offered-wait density times patience survival, in closed form):
        #   (x/A)·e^y·y^-(x+1)·[γ(x+1, y) - γ(x+1, z)],  z = y·e^(-θt),
        # and γ(x+1, z) = z^(x+1)·e^-z·A(x+1, z)/(x+1) keeps it free of incomplete-gamma tails:
        #   = x/((x+1)·A) · [A(x+1, y) - e^(-θt(x+1) + y - z)·A(x+1, z)].
        z = y * np.exp(-theta * tt)
        log_first = _log_gmr_a(x + 1.0, y)
        log_second = -theta * tt * (x + 1.0) + (y - z) + _log_gmr_a(x + 1.0, z)
        with np.errstate(over="ignore", invalid="ignore"):
            served_within = np.exp(np.log(x / (x + 1.0)) + log_first - log_a) * -np.expm1(
                np.minimum(log_second - log_first, 0.0)
            )
        served_within = np.clip(np.nan_to_num(served_within), 0.0, 1.0)
        sl[ok] = np.clip(1.0 - p_wait + p_wait * served_within, 0.0, 1.0)
        pw[ok] = p_wait
        ab[ok] = p_ab
        asa[ok] = p_ab * pp
        occ[ok] = np.minimum(rho * (1.0 - p_ab), 1.0)
    return Metrics(
        agents=n.reshape(shape),
        traffic=a.reshape(shape),
        service_level=sl.reshape(shape),
        asa=asa.reshape(shape),
        occupancy=occ.reshape(shape),
        p_wait=pw.reshape(shape),
        abandon_rate=ab.reshape(shape),
    )


def _service_level(
    n: FloatArray, a: FloatArray, s: FloatArray, t: FloatArray, patience: FloatArray | None
) -> FloatArray:
    if patience is None:
        return _metrics_c(n, a, s, t).service_level
    return _metrics_a(n, a, s, t, patience).service_level


def _halfin_whitt_beta(a: FloatArray, s: FloatArray, t: FloatArray, target: FloatArray) -> FloatArray:
    """β with ``1 - C(β)·exp(-β√a·t/s) = target``, ``C(β) = 1/(1 + βΦ(β)/φ(β))`` (cheap, approximate)."""
    from scipy import special  # type: ignore[import-untyped]

    lo = np.zeros_like(a)
    hi = np.full_like(a, 8.0)
    root_a = np.sqrt(a)
    for _ in range(14):  # β to ±0.0005: within a tenth of an agent up to 20,000 Erlangs
        beta = (lo + hi) / 2.0
        c = 1.0 / (1.0 + beta * special.ndtr(beta) / (np.exp(-0.5 * beta * beta) / math.sqrt(2.0 * math.pi)))
        sl = 1.0 - c * np.exp(-beta * root_a * t / s)
        lo = np.where(sl < target, beta, lo)
        hi = np.where(sl < target, hi, beta)
    return hi


def required_agents(
    *,
    calls: ArrayLike,
    interval: ArrayLike,
    aht: ArrayLike,
    target: ArrayLike,
    answer_time: ArrayLike,
    max_occupancy: ArrayLike | None = None,
    patience: ArrayLike | None = None,
) -> IntArray:
    """The fewest agents whose service level reaches ``target`` (and occupancy ≤ ``max_occupancy``).

    A vectorised bisection on the monotone service level: about ``log2(10·√a)``
    evaluations of the whole grid at once.
    """
    calls_a, T, s, t, target_a = np.broadcast_arrays(_f(calls), _f(interval), _f(aht), _f(answer_time), _f(target))
    shape = calls_a.shape
    a = (calls_a * s / T).ravel()
    s, t, tgt = s.ravel(), t.ravel(), target_a.ravel()
    if np.any((tgt < 0) | (tgt >= 1.0 + 1e-12)):
        raise ValueError("target must be in [0, 1)")
    pat = None if patience is None else np.broadcast_to(_f(patience), shape).ravel().copy()
    if pat is not None and np.all(np.isinf(pat)):
        pat = None
    if pat is None:
        lo = np.floor(a) + 1.0  # Erlang C needs n > a
    else:
        lo = np.ones_like(a)
    if max_occupancy is not None:
        mo = np.broadcast_to(_f(max_occupancy), shape).ravel()
        if np.any((mo <= 0) | (mo > 1)):
            raise ValueError("max_occupancy must be in (0, 1]")
        lo = np.maximum(lo, np.ceil(a / mo - 1e-9))
    lo = np.maximum(lo, 1.0)
    lo = np.where(a <= 0, 0.0, lo)
    # A square-root-staffing guess (Halfin–Whitt) is exact for most of a grid and one
    # short for most of the rest; the exact service level then decides, so the guess only
    # affects speed: about two evaluations of the grid instead of a dozen.
    floor_ = lo
    guess = np.maximum(np.ceil(a + _halfin_whitt_beta(a, s, t, tgt) * np.sqrt(a)), floor_)

    def sl_at(n: FloatArray, idx: NDArray[np.intp]) -> FloatArray:
        return _service_level(n, a[idx], s[idx], t[idx], None if pat is None else pat[idx])

    everywhere = np.arange(a.size)
    ok = sl_at(guess, everywhere) >= tgt
    hi = guess.copy()
    lo = guess.copy()
    # Not enough: gallop up (+1, +2, +4, …) until the target is met.
    up = np.flatnonzero(~ok)
    step = 1.0
    for _ in range(64):
        if up.size == 0:
            break
        lo[up] = hi[up] + 1.0
        hi[up] = hi[up] + step
        meets = sl_at(hi[up], up) >= tgt[up]
        up = up[~meets]
        step *= 2.0
    else:  # pragma: no cover - a target of exactly 1 can never be met with finite staff
        raise ValueError("service level target cannot be met")
    # Enough: is one fewer also enough? Then gallop down (-1, -2, -4, …) to a level that
    # fails (or the floor); the bisection below finishes between the two.
    down = np.flatnonzero(ok & (guess > floor_))
    if down.size:
        also = sl_at(guess[down] - 1.0, down) >= tgt[down]
        more = down[also]
        hi[more] = guess[more] - 1.0
        lo[more] = hi[more]
        step = 1.0
        while more.size:
            probe = np.maximum(hi[more] - step, floor_[more])
            meets = sl_at(probe, more) >= tgt[more]
            fail = more[~meets]
            lo[fail] = probe[~meets] + 1.0
            passed = more[meets]
            hi[passed] = probe[meets]
            at_floor = passed[probe[meets] <= floor_[passed]]
            lo[at_floor] = floor_[at_floor]
            more = passed[probe[meets] > floor_[passed]]
            step *= 2.0
    while True:
        active = lo < hi
        if not np.any(active):
            break
        mid = np.floor((lo + hi) / 2.0)
        meets = np.ones_like(mid, dtype=bool)
        meets[active] = (
            _service_level(mid[active], a[active], s[active], t[active], None if pat is None else pat[active])
            >= tgt[active]
        )
        hi = np.where(active & meets, mid, hi)
        lo = np.where(active & ~meets, mid + 1.0, lo)
    return hi.astype(np.int64).reshape(shape)


def scheduled_staff(agents: ArrayLike, shrinkage: ArrayLike) -> IntArray:
    """Agents on the floor turned into staff to schedule: ``ceil(agents / (1 - shrinkage))``."""
    sh = _f(shrinkage)
    if np.any((sh < 0) | (sh >= 1)):
        raise ValueError("shrinkage must be in [0, 1)")
    return np.ceil(_f(agents) / (1.0 - sh) - 1e-9).astype(np.int64)


@dataclass(frozen=True)
class Staffing:
    """One interval's answer, as printed by ``atiende wfm erlang``."""

    agents: int
    scheduled_agents: int
    traffic: float
    service_level: float
    asa: float
    occupancy: float
    p_wait: float
    abandon_rate: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def staffing(
    *,
    calls: float,
    interval: float,
    aht: float,
    target: float,
    answer_time: float,
    patience: float | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float | None = None,
) -> Staffing:
    """Required agents for one interval and the performance they give."""
    for name, value in (("calls", calls), ("interval", interval), ("aht", aht), ("answer_time", answer_time)):
        if not math.isfinite(value) or value < 0 or (name in ("interval", "aht") and value == 0):
            raise ValueError(
                f"{name} must be a finite number > 0" if name in ("interval", "aht") else f"{name} must be ≥ 0"
            )
    if not 0 <= target < 1:
        raise ValueError("target must be in [0, 1)")
    if patience is not None and not (patience > 0):
        raise ValueError("patience must be > 0")
    n = int(
        required_agents(
            calls=calls,
            interval=interval,
            aht=aht,
            target=target,
            answer_time=answer_time,
            max_occupancy=max_occupancy,
            patience=patience,
        )
    )
    m = metrics(agents=n, calls=calls, interval=interval, aht=aht, answer_time=answer_time, patience=patience)
    return Staffing(
        agents=n,
        scheduled_agents=int(scheduled_staff(n, shrinkage)),
        traffic=float(m.traffic),
        service_level=float(m.service_level),
        asa=float(m.asa),
        occupancy=float(m.occupancy),
        p_wait=float(m.p_wait),
        abandon_rate=float(m.abandon_rate),
    )
