"""Cell-key perturbation: the noise on every demographic cell (DESIGN §8), as
the Australian Bureau of Statistics' TableBuilder and the UK's 2021 census
tables (ONS) add it.

Every person has a random record key 0..255 that is never shown
(``models.attendance``). A cell's key is the sum of the keys of the people
in it, modulo 256, and the cell shows its count plus the noise this table
gives to that count and that key. So:

- the same people always give the same number, in every scope and every
  export: asking again, or through another filter, averages nothing away;
- two cells that differ by one person have unrelated keys, so their
  difference is the true one only by chance (about one time in five);
- the noise is -2..+2, zero on average for every count, 0 stays 0 and a
  group of 1 to 4 keeps its count (it shows as "fewer than 5" anyway, by
  ``suppression``, which then runs on the perturbed counts).

Pure functions over numbers: no database, no Flask.
"""

from __future__ import annotations

KEYS = 256  # a cell key is 0..KEYS - 1 (as models.attendance.RECORD_KEYS)
SMALL = 5   # counts below this are left as they are: they are never shown

# The noise for each key, for a count of 0 (each count reads this row turned
# by STRIDE places per person: see ``noise``). 32 keys of -2, 64 of -1, 64 of
# 0, 64 of +1 and 32 of +2: zero on average, variance 1.5.
NOISE: tuple[int, ...] = (-2,) * 32 + (-1,) * 64 + (0,) * 64 + (1,) * 64 + (2,) * 32
# Odd, so that the rows of the counts 0..255 are 256 different turns of the
# row above: two counts with the same cell key get unrelated noise.
STRIDE = 167

assert len(NOISE) == KEYS and sum(NOISE) == 0


def noise(count: int, cell_key: int) -> int:
    """The table's entry for a cell of ``count`` people whose keys add up to
    ``cell_key`` (any integer: it is taken modulo 256)."""
    if count < SMALL:
        return 0
    return NOISE[(cell_key + STRIDE * count) % KEYS]


def perturb(count: int, cell_key: int) -> int:
    """The count a cell shows, before the small-group rule. Never below 3
    for a count of 5 or more, so never 0 for a group that is not empty."""
    return count + noise(count, cell_key)
