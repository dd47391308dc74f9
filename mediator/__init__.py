"""mediator: a terminal console for mediating escalated marketplace disputes."""

__version__ = "0.1.0"
