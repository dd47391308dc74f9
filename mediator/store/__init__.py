"""Stores: the `Store` protocol and its backends. Never imports Textual."""

from mediator.store.base import (
    IdempotencyMismatch,
    ImportReport,
    InvalidDecision,
    NotFound,
    QueueCounts,
    QueueKey,
    QueuePage,
    QueueQuery,
    QueueRow,
    Store,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)

__all__ = [
    "IdempotencyMismatch",
    "ImportReport",
    "InvalidDecision",
    "NotFound",
    "QueueCounts",
    "QueueKey",
    "QueuePage",
    "QueueQuery",
    "QueueRow",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "VersionConflict",
]
