"""Home: what GANscope is, a one-click start, lessons, a new-run form and the list of runs."""
import streamlit as st

st.set_page_config(page_title="GANscope", layout="wide")
st.title("GANscope")
st.markdown("Watch a generative adversarial network learn: a generator makes samples, a "
            "discriminator judges them, and you see every step of their game. "
            "Start the 8-Gaussian ring below, then watch for **mode collapse**: the generator "
            "covering only some of the modes.")
# Drawn before TensorFlow is imported: a server's first page used to stay blank for the
# ~3-7 s that takes (bench/fast_start.py). The imports below are each module's once.
with st.spinner("Starting TensorFlow…"):
    from gan_core import GanscopeError
    from ui import forms, lessons, links, state
    from ui.labels import literal
first = st.container()  # opened from a link with settings (ui/links.py): its form comes first

if st.button("Start the 8-Gaussian ring", type="primary", key="quick_start",
             icon=":material/play_arrow:"):
    try:
        trainer = state.start_quick()
    except GanscopeError as exc:
        st.error(str(exc))
    else:
        state.select(trainer.run_id)
        st.switch_page("pages/1_Train.py")

st.subheader("Lessons")
st.caption("Each lesson starts ready-made runs that show one GAN phenomenon, trains them to the "
           "step budget its claim is checked at (`python -m gan_core lessons --verify`), and "
           "opens the page to watch.")
lessons.cards()

with first if links.asked() else st.container():
    st.subheader("New run")
    made = forms.new_run_form()
    if made is not None:
        state.select(made.run_id)
        st.switch_page("pages/1_Train.py")

st.subheader("Runs")
# An emoji (a green dot) was a box where no emoji font is installed
BADGES = {"running": ("green", ":material/play_arrow:"), "error": ("red", ":material/error:")}
runs, skipped = state.runs().scan()
state.skipped_note(skipped)
if not runs:
    st.caption("No runs yet. Runs are saved under the runs folder as they train.")
for info in runs[:30]:
    c = st.columns([4, 2, 2, 1])
    c[0].markdown(f"**{literal(info.title)}** · `{info.run_id}`")  # a title is text, not markup
    c[1].write(f"{info.loss} · step {info.step:,}")
    badge = BADGES.get(info.status, ("gray", None))  # Streamlit's badge, its icon font bundled
    c[2].badge(info.status, color=badge[0], icon=badge[1])
    if c[3].button("Open", key=f"open_{info.run_id}"):
        state.select(info.run_id)
        st.switch_page("pages/1_Train.py")
