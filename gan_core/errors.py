"""Typed errors. Each carries a message a student can act on; the UI shows it verbatim."""


class GanscopeError(Exception):
    """Base class: anything the user can fix by changing an input."""


class ConfigError(GanscopeError, ValueError):
    """A run configuration that cannot work (unknown name, out-of-range value)."""


class DatasetError(GanscopeError):
    """A dataset that cannot be loaded (offline, corrupt file, unsupported format)."""


class StoreError(GanscopeError):
    """A run folder that cannot be read or written."""
