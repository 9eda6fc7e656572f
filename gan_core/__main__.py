import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out

from .cli import main  # noqa: E402

raise SystemExit(main())
