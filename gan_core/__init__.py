"""GANscope's engine: train GANs in a background thread and watch them learn. No Streamlit.

Words, used the same way in code, UI text and docs (docs/architecture.md has the whole map):

- **run**: one GAN trained on one dataset with one RunConfig; a folder on disk (store.py).
- **step**: one generator update (with `d_steps` discriminator updates before it).
- **call**: one compiled `tf.function` call that runs K steps (gan.py).
- **RunState**: what the training thread publishes after every call: step, status, curves.
- **Snapshot**: what the run looked like every `snapshot_every` steps: samples from fixed
  noise, the 2D Lab's fields, the mode-collapse diagnostics (observer.py).
- **kept generator**: G's weights saved at up to 40 evenly spaced snapshot steps, so the
  Latent explorer can look back (store.py).
- **checkpoint**: weights, optimizers and step, saved so a run can resume or roll back.
- **Gan**: the models, optimizers and compiled steps of one run (gan.py).
- **Registry**: a name -> object lookup (losses, datasets, lessons) that answers an unknown name
  with the valid ones; **Runs**: the runs of this process and of the runs folder (runs.py).
- **lesson**: ready-made runs that show one phenomenon, with a claim the code checks.
"""
from .config import RunConfig
from .errors import ConfigError, DatasetError, GanscopeError, StoreError
from .run_state import RunState, Snapshot
from .trainer import Trainer

__all__ = ["RunConfig", "Trainer", "RunState", "Snapshot", "GanscopeError", "ConfigError",
           "DatasetError", "StoreError"]
