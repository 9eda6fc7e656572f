"""The new-run form: every choice read from the engine's registries."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import streamlit as st

from gan_core import GanscopeError, RunConfig, Trainer, distribute
from gan_core.config import MODELS
from gan_core.data import DATASETS
from gan_core.defaults import defaults_for
from gan_core.losses import LOSSES
from ui import conditional, links, roles, state
from ui.labels import LABELS, said

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
    """Returns the new (started) run, or None. Errors appear next to the form. Opened from a
    link that carries settings (ui/links.py), the form shows them and says so."""
    link = links.asked()
    names = DATASETS.names() + [UPLOAD]
    dataset = st.selectbox(LABELS["dataset"], names, key="new_dataset",
                           index=names.index(link.config.dataset) if link else 0,
                           help="mnist, fashion_mnist and cifar10 download once through keras")
    upload = None
    linked = link is not None and dataset == link.config.dataset
    wanted = conditional.switch(dataset, linked and link.config.conditional, dataset == UPLOAD)
    if dataset == UPLOAD:
        upload = st.file_uploader("Your data: .npz (arrays), .zip of images, or MNIST IDX .gz",
                                  type=UPLOAD_TYPES, key="new_upload")
        base = defaults_for("digits", conditional=wanted)
    elif linked and wanted == link.config.conditional:
        links.explain(link)
        base = link.config
    else:
        base = defaults_for(dataset, conditional=wanted)
    with st.form("new_run"):
        values = _fields(base)
        c = st.columns([1, 1, 2])
        submitted = c[0].form_submit_button("Create and start", type="primary")
        sharing = c[1].form_submit_button(
            "Link to these settings", icon=":material/link:",
            help="an address that opens this form filled in as it is now: hand it to a class "
                 "and everyone starts the same run")
    if not (submitted or sharing):
        return None
    try:
        if sharing:
            if dataset == UPLOAD:
                raise GanscopeError("a link can name only the listed datasets, not your own file")
            links.share(base.replace(**values), "Anyone who opens this address gets this form "
                        "filled in with these settings (seed included) and starts the run with "
                        "**Create and start**.")
            return None
        if dataset == UPLOAD:
            if upload is None:
                raise GanscopeError("choose a file to upload first")
            path = _save_upload(upload)
            try:
                base = defaults_for(path, conditional=wanted)
            except GanscopeError:
                Path(path).unlink(missing_ok=True)  # a refused upload is not kept
                raise
            dataset = base.dataset  # the absolute path (defaults_for resolves it)
            base = base.replace(title=upload.name)  # the file's own name, not the server's
        cfg = base.replace(dataset=dataset, **{**values, "title": values["title"] or base.title})
        with st.spinner("Loading data and building the models…"):
            trainer = state.runs().create(cfg, owner=roles.new_run_owner())
    except GanscopeError as exc:
        st.error(said(exc))
        return None
    report = trainer.data.report(max_lines=6)
    if report:  # what was skipped or changed in the data
        st.warning("About your data:\n" + "\n".join(f"- {line}" for line in report))
    trainer.start()
    return trainer


def _fields(base: RunConfig) -> dict[str, Any]:
    """The form's widgets, shown with `base`'s values; what they hold, as RunConfig fields."""
    c = st.columns(4)
    model = c[0].selectbox(LABELS["model"], MODELS, index=MODELS.index(base.model))
    losses = LOSSES.names()
    loss = c[1].selectbox(LABELS["loss"], losses, index=losses.index(base.loss))
    lr_d = c[2].number_input(LABELS["lr_d"], value=base.lr_d, format="%.5f", step=1e-4)
    lr_g = c[3].number_input(LABELS["lr_g"], value=base.lr_g, format="%.5f", step=1e-4)
    c = st.columns(4)
    batch = c[0].number_input(LABELS["batch"], value=base.batch, min_value=1, step=16)
    z_dim = c[1].number_input(LABELS["z_dim"], value=base.z_dim, min_value=1)
    seed = c[2].number_input(LABELS["seed"], value=base.seed, min_value=0)
    title = c[3].text_input(LABELS["title"], value=base.title)
    c = st.columns(4)
    pack = c[0].number_input(
        LABELS["pack"], value=base.pack, min_value=1, max_value=8,
        help="PacGAN: D sees this many samples side by side, so a generator that repeats "
             "itself is easy to spot. 1 = the classic GAN. The batch must be a multiple.")
    d_steps = c[1].number_input(LABELS["d_steps"], value=base.d_steps, min_value=1, max_value=50,
                                help="discriminator updates before each generator update")
    ema = c[2].number_input(
        LABELS["ema"], value=base.ema, min_value=0.0, max_value=0.9999, format="%.4f",
        step=0.001, help="samples come from a slowly moving average of G's weights: 0 = off, "
                         "0.99 to 0.999 smooths the samples' jitter")
    values = dict(model=model, loss=loss, lr_d=float(lr_d), lr_g=float(lr_g), batch=int(batch),
                  z_dim=int(z_dim), seed=int(seed), title=title, pack=int(pack),
                  d_steps=int(d_steps), ema=float(ema))
    devices = distribute.local_devices()
    if len(devices) > 1:  # a choice only where there is one to make (multiworker: the CLI)
        choices = ("default", "mirrored")
        values["strategy"] = c[3].selectbox(
            LABELS["strategy"], choices, index=choices.index(base.strategy)
            if base.strategy in choices else 0,
            format_func=lambda s: "one device" if s == "default" else f"all {len(devices)}",
            help="mirrored: each of the devices trains on its share of every batch (the batch "
                 "must split evenly): " + ", ".join(d.rsplit("/", 1)[-1] for d in devices))
    return values
