"""Evolution: the fixed-noise samples at every snapshot, scrubbed or played."""
import streamlit as st

from gan_core.views import pillow_images
from ui import navigation, state

navigation.arrived()  # a page opened before the app's home: through dashboard.py
st.set_page_config(page_title="Evolution · GANscope", layout="wide")
st.title("Evolution")
trainer = state.need_run()
snap = trainer.state
snapshots = [f for f in snap.snapshots if f.pictured]  # a long run's, thinned (run_state)
if not snapshots:
    st.info("No snapshots yet: train for a few steps.")
    st.stop()
st.caption("The same noise at every snapshot. Early snapshots are noise; watch structure appear, "
           "and watch for all samples turning into the same few shapes (mode collapse).")
images = trainer.data.kind == "images"
bounds = None if images else trainer.data.bounds()
real = None if images else trainer.data.pool[:1000]
scale = pillow_images.display_scale(trainer.data.shape[0], target=32) if images else 1


def picture(snapshot):
    if images:
        return pillow_images.enlarge(snapshot.grid, scale)
    return pillow_images.scatter_image(snapshot.points[:1000], bounds, real)


steps = [f.step for f in snapshots]
step = st.select_slider("Step", steps, value=steps[-1], key="evo_step")
snapshot = snapshots[steps.index(step)]
left, right = st.columns(2)
png = pillow_images.png_bytes(picture(snapshot))
left.image(png, caption=f"step {step:,}", width="stretch")
left.download_button("Download PNG", png, file_name=f"{snap.run_id}-step{step}.png",
                     mime="image/png", key="dl_png")
every = max(1, len(snapshots) // 60)  # a GIF of at most ~60 snapshots
key = ("gif", snap.run_id, steps[-1], every)
if st.session_state.get("evo_gif_key") != key:
    st.session_state["evo_gif"] = pillow_images.gif_bytes([picture(f) for f in snapshots[::every]])
    st.session_state["evo_gif_key"] = key
gif = st.session_state["evo_gif"]
right.image(gif, caption=f"play: {len(snapshots[::every])} snapshots, step 0 to {steps[-1]:,}",
            width="stretch")
right.download_button("Download GIF", gif, file_name=f"{snap.run_id}.gif", mime="image/gif",
                      key="dl_gif")
