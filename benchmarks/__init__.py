"""Benchmarks of the indexer and the search engines: ``python -m benchmarks`` (see __main__).

Not run by pytest: figures depend on the machine and its load; they are printed, not asserted.
"""
