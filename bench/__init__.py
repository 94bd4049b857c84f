"""Benchmarks run by `make bench`: each prints its numbers beside a peer or the raw floor measured in the same run."""
