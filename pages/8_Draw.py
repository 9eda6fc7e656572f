"""Draw: your own 2D data, clicked, lassoed or picked as shapes, and a run that trains on it."""
import streamlit as st

from ui import drawing, navigation, state

navigation.arrived()  # a page opened before the app's home: through dashboard.py
st.set_page_config(page_title="Draw · GANscope", layout="wide")
st.title("Draw")
st.markdown("Draw your own data for a GAN to learn, as in GAN Lab: **click** the canvas to add "
            "points, **drag** a lasso or a box round a region to fill it, or add a **shape**. "
            "The GAN learns your points blurred by the spread. Points that lie close together "
            "make one *mode*, coloured alike, and the Mode collapse page counts how many of "
            "them the generator covers.")
state.run_picker()  # the sidebar's run box, as on every page (a drawing needs no run)
drawing.toolbar()
left, right = st.columns([3, 2])
with left:
    drawing.canvas()
with right:
    drawing.spread_slider()
    st.subheader("Shapes")
    drawing.shapes_panel()
    st.subheader("Train on it")
    made = drawing.start_form()
    if made is not None:
        state.select(made.run_id)
        st.switch_page("pages/2_2D_Lab.py")
    st.subheader("Reuse a drawing")
    drawing.reuse_panel()
