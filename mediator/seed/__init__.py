"""Deterministic, realistic demo data (no Textual, no I/O): `generate(n, seed=…, now=…)`."""

from mediator.seed.generator import generate, generate_decided

__all__ = ["generate", "generate_decided"]
