"""Typed errors. Each carries a message a student can act on; the UI shows it verbatim."""
from __future__ import annotations

from collections.abc import Callable, Mapping


class GanscopeError(Exception):
    """Base class: anything the user can fix by changing an input."""


class ConfigError(GanscopeError, ValueError):
    """A run configuration that cannot work (unknown name, out-of-range value).

    When the fault lies in named settings, `fields` lists them (RunConfig field names, the one
    to change first) and `worded(names)` says the message calling each setting by
    `names[field]`, e.g. the label a form shows: the UI never picks names out of the text.
    Build such an error with `ConfigError.about`."""

    def __init__(self, message: str, fields: tuple[str, ...] = (),
                 parts: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields
        self._parts = parts or (message,)

    @classmethod
    def about(cls, *parts: str) -> ConfigError:
        """Text and setting names alternating, text first: `about("", "batch", " must be a
        multiple of ", "pack")` says "batch must be a multiple of pack"."""
        return cls("".join(parts), tuple(parts[1::2]), parts)

    @property
    def field(self) -> str | None:
        """The setting to change, or None when the error is not about one."""
        return self.fields[0] if self.fields else None

    def worded(self, names: Mapping[str, str], text: Callable[[str], str] = str) -> str:
        """The message with each setting called `names[field]` (its field name when absent)
        and the words around them passed through `text` (e.g. a markdown escape)."""
        return "".join(names.get(p, p) if i % 2 else text(p) for i, p in enumerate(self._parts))


class DatasetError(GanscopeError):
    """A dataset that cannot be loaded (offline, corrupt file, unsupported format)."""


class StoreError(GanscopeError):
    """A run folder that cannot be read or written."""
