"""GANscope: `streamlit run dashboard.py`. The pages, in the sidebar's order, with Home first."""
import streamlit as st

from ui import layout, navigation, roles

# Set before the navigation, so the browser never takes a page's icon for the tab's: it would
# fetch a Material icon from fonts.gstatic.com (fails offline). Streamlit serves this picture.
st.set_page_config(page_title="GANscope", page_icon=layout.favicon(), layout="wide")
page = st.navigation(navigation.pages())  # Home first, then the pages (ui/navigation.py)
roles.sign_in_box()  # in every page's sidebar, when a teacher key is set
page.run()
