"""Benchmarks of the archive against the local node (`bin/bench`); results go to bench/results/."""
