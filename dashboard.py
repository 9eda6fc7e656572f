"""GANscope: `streamlit run dashboard.py`. The pages, in the sidebar's order, with Home first."""
import streamlit as st

from ui import layout, roles

# Set before the navigation, so the browser never takes a page's icon for the tab's: it would
# fetch a Material icon from fonts.gstatic.com (fails offline). Streamlit serves this picture.
st.set_page_config(page_title="GANscope", page_icon=layout.favicon(), layout="wide")
# Icons in the sidebar come from Streamlit's bundled Material Symbols font (no download). The
# URLs are the pages' file names without the number, as before: /Train, /2D_Lab, ...
PAGES = [st.Page("home.py", title="Home", icon=":material/home:", default=True),
         st.Page("pages/1_Train.py", icon=":material/model_training:"),
         st.Page("pages/2_2D_Lab.py", icon=":material/scatter_plot:"),
         st.Page("pages/3_Evolution.py", icon=":material/movie:"),
         st.Page("pages/4_Latent_explorer.py", icon=":material/explore:"),
         st.Page("pages/5_Runs.py", icon=":material/folder_open:"),
         st.Page("pages/6_Mode_collapse.py", icon=":material/stethoscope:"),
         st.Page("pages/8_Draw.py", icon=":material/draw:"),
         st.Page("pages/7_Class_demo.py", icon=":material/co_present:")]
page = st.navigation(PAGES)
roles.sign_in_box()  # in every page's sidebar, when a teacher key is set
page.run()
