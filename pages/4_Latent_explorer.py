"""Latent explorer: move through the generator's noise space."""
import numpy as np
import streamlit as st

from gan_core import Snapshot, latent
from gan_core.views import pillow_images, plotly_charts
from ui import conditional, directions, navigation, state

navigation.arrived()  # a page opened before the app's home: through dashboard.py
st.set_page_config(page_title="Latent explorer · GANscope", layout="wide")
st.title("Latent explorer")
trainer = state.need_run()
cfg, snap = trainer.config, trainer.state
images = trainer.data.kind == "images"
LATEST = "latest"
kept = [s for s in trainer.kept_generator_steps() if s < snap.step]
at = st.select_slider("Generator at snapshot (step)", kept + [LATEST], value=LATEST,
                      format_func=lambda s: f"now ({snap.step:,})" if s == LATEST else f"{s:,}",
                      key="lat_at", help="earlier generators: up to 40 evenly spaced snapshots "
                                         "are kept per run")


def generate(z: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
    """G(z) with the chosen snapshot's weights (a conditional run's: of `classes`)."""
    return trainer.observer.sample(z, classes) if at == LATEST else trainer.sample_at(at, z, classes)


st.caption("Each slider moves one noise dimension; smooth changes mean G has learned a smooth "
           "map. Step back to an early snapshot to see the same noise before G learned.")
scale = pillow_images.display_scale(trainer.data.shape[0], target=96) if images else 1


def show_points(points, title, key):
    fig = plotly_charts.lab_view(Snapshot(snap.step if at == LATEST else at), trainer.data.pool[:1000],
                           trainer.data.bounds(),
                           {"real"}, height=380, legend_at="top")
    fig.add_scatter(x=points[:, 0], y=points[:, 1], mode="markers+lines", name=title,
                    marker=dict(size=9, color=np.arange(len(points)), colorscale="Viridis"))
    st.plotly_chart(fig, key=key)


def randomise_seeds() -> None:
    """Two new seeds for A and B. A callback: it runs before the seed boxes are drawn, the only
    time Streamlit lets a script set a keyed widget's value."""
    rng = np.random.default_rng()
    st.session_state["lat_a"], st.session_state["lat_b"] = (int(v) for v in rng.integers(0, 10**6, 2))


left, right = st.columns(2)
with left:
    st.subheader("Sliders")
    seed = st.number_input("Start from the noise of seed", 0, 10**6, 0, key="lat_seed")
    chosen = conditional.picker(trainer, "Class", "lat_class") if cfg.conditional else 0
    z = latent.noise(int(seed), 1, cfg.z_dim)[0]
    dims = list(range(cfg.z_dim))
    if cfg.z_dim > 8:
        dims = st.multiselect("Dimensions to slide", dims, default=dims[:4], key="lat_dims")
    for d in dims:
        z[d] = st.slider(f"z[{d}]", -3.0, 3.0, float(round(z[d], 2)), 0.05, key=f"lat_z{d}")
    out = generate(z[None], np.array([chosen], np.int32))
    if images:
        st.image(pillow_images.png_bytes(pillow_images.enlarge(pillow_images.to_uint8(out)[0], scale)),
                 caption=f"G(z, {conditional.names(trainer)[chosen]})" if cfg.conditional
                 else "G(z)", width=220)
    else:
        show_points(out, "G(z)", "fig_lat_point")
with right:
    st.subheader("Interpolation")
    c = st.columns(2)
    a = c[0].number_input("Seed A", 0, 10**6, 1, key="lat_a")
    b = c[1].number_input("Seed B", 0, 10**6, 2, key="lat_b")
    st.button("Randomise seeds", key="lat_rand", icon=":material/casino:", on_click=randomise_seeds)
    c = st.columns(2)
    n = c[1].slider("Frames", 3, 24, 10, key="lat_frames")
    classes, walked, still = None, "A → B", False
    if cfg.conditional:  # keep the class and move the noise, or keep noise A and move the class
        moved, classes, walked = conditional.interpolation(trainer, n)  # drawn under the row
        still = moved == conditional.PATHS[1]
    # the path's shape matters only while the noise moves (drawn in the row above)
    how = c[0].radio("Path", ["spherical", "linear"], horizontal=True, key="lat_how",
                     disabled=still, help="spherical keeps the noise at a typical length all the "
                     "way" + ("; here the noise stays A and only the class moves" if still else ""))
    za, zb = latent.noise(int(a), 1, cfg.z_dim)[0], latent.noise(int(b), 1, cfg.z_dim)[0]
    path = np.repeat(za[None], n, axis=0) if still else \
        (latent.slerp if how == "spherical" else latent.lerp)(za, zb, n)
    out = generate(path, classes)
    if images:
        pics = pillow_images.to_uint8(out)
        strip = pillow_images.enlarge(pillow_images.tile(pics, cols=n), max(1, scale // 2))
        st.image(pillow_images.png_bytes(strip), caption=walked, width="stretch")
        there_and_back = list(pics) + list(pics[::-1])
        gif = pillow_images.gif_bytes([pillow_images.enlarge(p, scale) for p in there_and_back])
        st.image(gif, caption="animation", width=200)
        st.download_button("Download GIF", gif, file_name="interpolation.gif", mime="image/gif",
                           key="lat_dl")
    else:
        show_points(out, "A → B", "fig_lat_path")

# ---- latent directions (ui/directions.py): unconditional image runs ------------------------
if images and not cfg.conditional:  # a conditional G takes the class: the picker above
    directions.panel(trainer, None if at == LATEST else at)
