"""Imported once by `paiban batch`'s fork server, before it forks the workers: imports the
renderer and warms the font caches (fontconfig resolution, cmaps, HarfBuzz faces and the advances
cache) so that every worker, and every replacement worker, starts warm. Never fails: a warm-up
that cannot run is left to the first build, which reports the problem properly. Then what it
loaded is frozen out of the garbage collector's reach: a worker's collections never walk the
renderer's hundreds of thousands of objects (nor copy the memory pages they share with the
fork server by writing to them)."""

import gc

from typeset import workers

workers.die_with_parent()         # the fork server ends with the batch that started it
workers.warm_up(full=True)
gc.freeze()
