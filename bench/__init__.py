"""The benchmark: synthetic data (`python -m bench.seed`) and timed pages (`python -m bench.run`)."""
