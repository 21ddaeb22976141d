"""Benchmarks: this engine against a peer measured in the same run (`aigc-studio bench ...`)."""
