"""Benchmarks of the analytics queries on a generated national data set (`make bench`)."""
