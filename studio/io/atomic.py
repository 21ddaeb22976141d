"""Atomic file writes for exports and settings: the engine's one implementation (torch-free)."""

from studio.engine.atomic import atomic_write_bytes, atomic_write_text

__all__ = ["atomic_write_bytes", "atomic_write_text"]
