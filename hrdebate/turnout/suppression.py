"""The small-group rule (DESIGN §8): any group smaller than 5 people shows as
"fewer than 5", and no other figure lets anyone work such a group out.

Pure functions over counts: no database, no Flask, nothing to set up, so the
rule can be read and tested on its own. The dashboard's service passes every
demographic table through :func:`suppress_together` before anyone sees it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

THRESHOLD = 5  # DESIGN §8: any group smaller than 5 people shows as "fewer than 5"


class Hidden(str, enum.Enum):
    """Why a cell shows no number."""

    SMALL = "small"            # 1 to 4 people: shown as "fewer than 5"
    COMPLEMENT = "complement"  # hidden so that a small cell cannot be worked out


K = TypeVar("K", bound=Hashable)
Cell = int | Hidden


@dataclass(frozen=True)
class Suppressed:
    cells: dict  # key -> int | Hidden, in the order of the input
    total: Cell


def _pinned(small: int, complements: int, hidden_sum: int, cap: float, threshold: int) -> bool:
    """Can the value of a small hidden cell be worked out?

    A reader who knows the rule and the total knows: each of the ``small``
    cells holds 1..threshold-1 people, each of the ``complements`` holds
    threshold..cap (they were the smallest cells shown, so none is above the
    smallest cell still shown), and together they hold ``hidden_sum``. A small
    cell is pinned when only one value fits.
    """
    if small == 0:
        return False
    highest = min(threshold - 1, hidden_sum - (small - 1) - complements * threshold)
    complements_at_most = complements * cap if complements else 0  # never 0 * inf
    lowest = max(1, hidden_sum - (small - 1) * (threshold - 1) - complements_at_most)
    return highest <= lowest


def suppress(counts: Mapping[K, int], threshold: int = THRESHOLD,
             hide_total: bool = False) -> Suppressed:
    """Hide what could identify a small group, in one breakdown whose cells
    add up to its total. Pure: counts in, the cells and total to show out.

    - A cell of 1 to ``threshold - 1`` people is ``Hidden.SMALL``; 0 stays 0.
    - A total under ``threshold`` is ``Hidden.SMALL``, and so is every cell,
      zeros included (each is truly "fewer than 5"), so nothing can be
      worked out from which cells are empty.
    - Secondary suppression: while a small cell could be worked out from the
      total by subtraction (a single small cell; or, say, 1 + 5 = 6), the
      next-smallest cell shown is hidden too (``Hidden.COMPLEMENT``; of equal
      cells, the first in order). If no cell is left to hide, the total is
      hidden.
    - ``hide_total``: the total is hidden, and at least one cell with it, so
      the total cannot be added up from the cells either.
    """
    cells: dict = {key: int(n) for key, n in counts.items()}
    total = sum(cells.values())
    if 0 < total < threshold:
        return Suppressed({key: Hidden.SMALL for key in cells}, Hidden.SMALL)
    shown = {key: n for key, n in cells.items() if n >= threshold}
    small = [key for key, n in cells.items() if 0 < n < threshold]
    out: dict = {key: (Hidden.SMALL if key in small else n) for key, n in cells.items()}
    order = {key: i for i, key in enumerate(cells)}

    def take_smallest_shown():
        key = min(shown, key=lambda k: (shown[k], order[k]))
        del shown[key]
        out[key] = Hidden.COMPLEMENT
        return key

    total_out: Cell = total
    if hide_total:
        if total and not small:
            take_smallest_shown()
        return Suppressed(out, Hidden.COMPLEMENT if total else 0)

    complements = 0
    hidden_sum = sum(cells[key] for key in small)
    while _pinned(len(small), complements, hidden_sum,
                  min(shown.values(), default=math.inf), threshold):
        if not shown:
            total_out = Hidden.COMPLEMENT
            break
        hidden_sum += cells[take_smallest_shown()]
        complements += 1
    return Suppressed(out, total_out)


def suppress_together(tables: Mapping[str, Mapping[K, int]],
                      threshold: int = THRESHOLD) -> dict[str, Suppressed]:
    """Several breakdowns of the same people (age, gender, affiliation) share
    one total: if any of them must hide it, all of them do, or the others
    would give it away."""
    results = {name: suppress(counts, threshold) for name, counts in tables.items()}
    if any(r.total is Hidden.COMPLEMENT for r in results.values()):
        results = {name: suppress(counts, threshold, hide_total=True)
                   for name, counts in tables.items()}
    return results
