def bench(context): return []
