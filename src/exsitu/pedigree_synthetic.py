"""SYNTHETIC studbooks for teaching, tests and benchmarks — invented data, not any real population.

:func:`synthetic_studbook` grows a captive population cohort by cohort (a cohort is a breeding season).
Parents of a cohort are drawn among earlier-born breeders aged 1 to ``2·cohorts_per_generation − 1``
cohorts (mean parental age = one generation, so generations overlap); each pair produces a litter, sires
are re-used across pairs, so the pedigree has full sibs, half sibs, parent–offspring and other matings
between relatives by chance. A few individuals per cohort are wild-caught (both parents unknown) or have
an unknown sire (e.g. group housing). Everything is drawn from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from exsitu.validation import require_number

__all__ = ["synthetic_studbook"]


def synthetic_studbook(
    n_individuals: int = 300,
    n_generations: int = 10,
    *,
    n_founders: int | None = None,
    n_living: int | None = None,
    cohorts_per_generation: int = 3,
    breeding_fraction: float = 0.4,
    litter_size: float = 4.0,
    wild_caught_rate: float = 0.01,
    unknown_sire_rate: float = 0.02,
    unknown_sex_rate: float = 0.0,
    locations: tuple[str, ...] = ("Site A", "Site B", "Site C"),
    generation_time_years: float = 2.0,
    start: str = "2000-01-01",
    id_prefix: str = "",
    seed: int | None = None,
) -> pd.DataFrame:
    """Return a SYNTHETIC studbook table (columns id, sire, dam, sex, birth_date, death_date, alive, location).

    ``n_individuals`` in total, born over ``n_generations`` generations of ``generation_time_years`` years;
    ``n_founders`` (default ≈ 2 % of the total, at least 4) start the population; ``n_living`` (default ≈ the
    last generation's births, at most the total) of the most recently born are alive, the rest have a death
    date. ``breeding_fraction`` of each cohort ever breed; unknown parents are written as ``UNK``.
    Read the result with :func:`exsitu.pedigree.read_studbook`.
    """
    n_total = int(require_number(n_individuals, "n_individuals", minimum=4, integer=True))
    n_gen = int(require_number(n_generations, "n_generations", minimum=1, integer=True))
    per_gen = int(require_number(cohorts_per_generation, "cohorts_per_generation", minimum=1, integer=True))
    founders = max(4, n_total // 50) if n_founders is None else int(
        require_number(n_founders, "n_founders", minimum=2, maximum=n_total, integer=True))
    breed = require_number(breeding_fraction, "breeding_fraction", minimum=0, maximum=1, inclusive_minimum=False)
    litter = require_number(litter_size, "litter_size", minimum=1)
    wild = require_number(wild_caught_rate, "wild_caught_rate", minimum=0, maximum=1)
    unknown_sire = require_number(unknown_sire_rate, "unknown_sire_rate", minimum=0, maximum=1)
    unknown_sex = require_number(unknown_sex_rate, "unknown_sex_rate", minimum=0, maximum=1)
    years = require_number(generation_time_years, "generation_time_years", minimum=0, inclusive_minimum=False)
    rng = np.random.default_rng(seed)

    n_cohorts = n_gen * per_gen
    min_age, max_age = 1, max(1, 2 * per_gen - 1)
    sizes = np.full(n_cohorts, (n_total - founders) // n_cohorts)
    sizes[: (n_total - founders) % n_cohorts] += 1
    sizes = np.concatenate([[founders], sizes])
    cohort = np.repeat(np.arange(n_cohorts + 1), sizes)
    n = n_total
    sex = np.where(rng.random(n) < 0.5, "M", "F").astype("<U1")
    sex[:founders] = np.where(np.arange(founders) % 2 == 0, "M", "F")  # founders: both sexes present
    breeder = rng.random(n) < breed
    breeder[:founders] = True
    unknown = rng.random(n) < unknown_sex
    unknown[:founders] = False
    sex[unknown] = "U"
    breeder &= ~unknown
    sire = np.full(n, -1, dtype=np.int64)
    dam = np.full(n, -1, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    for t in range(1, n_cohorts + 1):
        a, b = starts[t], starts[t + 1]
        lo, hi = starts[max(0, t - max_age)], starts[max(0, t - min_age + 1)]
        pool = np.arange(lo, hi)
        pool = pool[breeder[lo:hi]]
        males, females = pool[sex[pool] == "M"], pool[sex[pool] == "F"]
        m = b - a
        if m == 0 or males.size == 0 or females.size == 0:
            continue
        n_pairs = max(1, int(round(m / litter)))
        pair_dam = rng.choice(females, size=min(n_pairs, females.size), replace=False)
        pair_sire = rng.choice(males, size=pair_dam.size, replace=True)
        which = rng.integers(0, pair_dam.size, size=m)
        sire[a:b], dam[a:b] = pair_sire[which], pair_dam[which]
        caught = rng.random(m) < wild
        sire[a:b][caught] = -1
        dam[a:b][caught] = -1
        sire[a:b][rng.random(m) < unknown_sire] = -1

    day_span = years * 365.25 / per_gen
    birth_day = np.floor((cohort + rng.random(n)) * day_span).astype(np.int64)
    order = np.argsort(birth_day, kind="stable")  # ids in birth order
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    end_day = int(np.ceil((n_cohorts + 1) * day_span)) + 1
    living_count = min(n, int(sizes[-per_gen:].sum()) if n_living is None else int(
        require_number(n_living, "n_living", minimum=1, maximum=n, integer=True)))
    alive = np.zeros(n, dtype=bool)
    alive[order[n - living_count:]] = True
    last_offspring = np.full(n, -1, dtype=np.int64)
    for parent in (sire, dam):
        known = parent >= 0
        np.maximum.at(last_offspring, parent[known], birth_day[known])
    lifespan = rng.integers(0, int(max_age * day_span) + 2, size=n)
    death_day = np.maximum(birth_day + lifespan, last_offspring)
    death_day = np.minimum(death_day, end_day - 1)
    death_day = np.maximum(death_day, birth_day)
    location = np.asarray(locations, dtype=object)[rng.integers(0, len(locations), size=n)] if locations else None

    origin = np.datetime64(start, "D")
    names = np.array([f"{id_prefix}{k + 1}" for k in range(n)], dtype=object)[rank]
    parent_name = np.append(names, "UNK")  # index -1 → UNK
    birth = (origin + birth_day.astype("timedelta64[D]")).astype(str)
    death = (origin + death_day.astype("timedelta64[D]")).astype(str).astype(object)
    death[alive] = ""
    table = pd.DataFrame({
        "id": names, "sire": parent_name[sire], "dam": parent_name[dam], "sex": sex.astype(object),
        "birth_date": birth.astype(object), "death_date": death, "alive": np.where(alive, "yes", "no"),
    })
    if location is not None:
        table["location"] = location
    return table.iloc[order].reset_index(drop=True)
