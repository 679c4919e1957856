"""``make bench``: what a request costs, in process and over loopback.

Each module measures one concern and returns rows for the one table that
``python -m benchmarks`` prints (and writes to ``benchmarks/RESULTS.md``).
"""
