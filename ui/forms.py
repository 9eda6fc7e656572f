"""The new-run form: every choice read from the engine's registries."""
from __future__ import annotations

import secrets
from pathlib import Path

import streamlit as st

from gan_core import GanscopeError, Trainer
from gan_core.config import MODELS
from gan_core.data import DATASETS
from gan_core.defaults import defaults_for
from gan_core.losses import LOSSES
from ui import state

UPLOAD = "(my own file…)"
UPLOAD_TYPES = ["zip", "npz", "gz", "idx3-ubyte"]


def _save_upload(upload) -> str:
    """Write an upload under a generated name (the user's file name never becomes a path)."""
    name = upload.name.lower()
    suffix = next((s for s in (".npz", ".zip", "-images-idx3-ubyte.gz", "-images-idx3-ubyte")
                   if name.endswith(s)), None)
    if suffix is None:
        raise GanscopeError(f"{upload.name}: upload an .npz, a .zip of images, or an "
                            f"MNIST-format *-images-idx3-ubyte[.gz] file")
    folder = state.runs().runs_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"upload-{secrets.token_hex(4)}{suffix}"
    path.write_bytes(upload.getvalue())
    return str(path)


def new_run_form() -> Trainer | None:
    """Returns the new (started) run, or None. Errors appear next to the form."""
    names = DATASETS.names() + [UPLOAD]
    dataset = st.selectbox("Dataset", names, key="new_dataset",
                           help="mnist, fashion_mnist and cifar10 download once through keras")
    upload = None
    if dataset == UPLOAD:
        upload = st.file_uploader("Your data: .npz (arrays), .zip of images, or MNIST IDX .gz",
                                  type=UPLOAD_TYPES, key="new_upload")
        base = defaults_for("digits")
    else:
        base = defaults_for(dataset)
    with st.form("new_run"):
        c = st.columns(4)
        model = c[0].selectbox("Model", MODELS, index=MODELS.index(base.model))
        losses = LOSSES.names()
        loss = c[1].selectbox("Loss", losses, index=losses.index(base.loss))
        lr_d = c[2].number_input("D learning rate", value=base.lr_d, format="%.5f", step=1e-4)
        lr_g = c[3].number_input("G learning rate", value=base.lr_g, format="%.5f", step=1e-4)
        c = st.columns(4)
        batch = c[0].number_input("Batch", value=base.batch, min_value=1, step=16)
        z_dim = c[1].number_input("z size", value=base.z_dim, min_value=1)
        seed = c[2].number_input("Seed", value=0, min_value=0)
        title = c[3].text_input("Title (optional)", value="")
        c = st.columns(4)
        pack = c[0].number_input(
            "D judges packs of", value=base.pack, min_value=1, max_value=8,
            help="PacGAN: D sees this many samples side by side, so a generator that repeats "
                 "itself is easy to spot. 1 = the classic GAN. The batch must be a multiple.")
        submitted = st.form_submit_button("Create and start", type="primary")
    if not submitted:
        return None
    try:
        if dataset == UPLOAD:
            if upload is None:
                raise GanscopeError("choose a file to upload first")
            path = _save_upload(upload)
            try:
                base = defaults_for(path)
            except GanscopeError:
                Path(path).unlink(missing_ok=True)  # a refused upload is not kept
                raise
            dataset = base.dataset  # the absolute path (defaults_for resolves it)
            base = base.replace(title=upload.name)  # the file's own name, not the server's
        cfg = base.replace(dataset=dataset, model=model, loss=loss, lr_d=float(lr_d),
                           lr_g=float(lr_g), batch=int(batch), z_dim=int(z_dim), seed=int(seed),
                           pack=int(pack), title=title or base.title)
        with st.spinner("Loading data and building the models…"):
            trainer = state.runs().create(cfg)
    except GanscopeError as exc:
        st.error(str(exc))
        return None
    report = trainer.data.report(max_lines=6)
    if report:  # what was skipped or changed in the data
        st.warning("About your data:\n" + "\n".join(f"- {line}" for line in report))
    trainer.start()
    return trainer
