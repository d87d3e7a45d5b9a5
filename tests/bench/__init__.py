"""`make bench`: the programme-scale dataset (``dataset``), the in-process
latency table (``latency``), the throughput ratios against hello-world
(``throughput``) and the runner that prints and saves them all (``run``).
Not collected by pytest (no ``test_`` prefix)."""
