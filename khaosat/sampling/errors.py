"""Error classes of the sampling area; every message is Vietnamese and names its place."""

from __future__ import annotations


class SamplingError(Exception):
    """A sampling problem a user can fix; `problems` are Vietnamese messages naming their place."""

    def __init__(self, message: str | list[str]) -> None:
        problems = [message] if isinstance(message, str) else list(message)
        self.problems = problems
        self.message = "\n".join(problems)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class FrameError(SamplingError):
    """The frame or a sizes file is wrong (duplicate codes, missing names, bad sizes, …)."""


class DesignError(SamplingError):
    """The sampling design cannot be carried out on this frame."""


class OptionalPackageMissing(SamplingError):
    """An optional extra (e.g. `vietnam-provinces`) is needed but not installed."""
