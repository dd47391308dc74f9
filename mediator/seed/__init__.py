"""Deterministic, realistic demo data (no Textual, no I/O): `generate(n, seed=…, now=…)`."""

from mediator.seed.generator import generate, generate_decided, stream_decided, stream_size, streams

__all__ = ["generate", "generate_decided", "stream_decided", "stream_size", "streams"]
