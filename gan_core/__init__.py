"""GANscope's engine: train GANs in a background thread and watch them learn. No Streamlit."""
from .config import RunConfig
from .errors import ConfigError, DatasetError, GanscopeError, StoreError
from .snapshot import Frame, Snapshot
from .trainer import Trainer

__all__ = ["RunConfig", "Trainer", "Snapshot", "Frame", "GanscopeError", "ConfigError",
           "DatasetError", "StoreError"]
