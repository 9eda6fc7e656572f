"""The app's pages, in the sidebar's order with Home first, and the guard every page calls
first so it always runs inside them.

Streamlit treats a `pages/` folder beside the entry file as the legacy multipage app until
some session has run `st.navigation` ("As soon as any session of your app executes the
st.navigation command, your app will ignore the pages/ directory (across all sessions)", its
documentation). So on a freshly started server, a student arriving on a shared link such as
`/Train?run=...` got the legacy app: pages in file order under "dashboard", no icons, and
none of dashboard.py (the teacher's sign-in box). `arrived()` notices that case and does
what dashboard.py does before the page (`frame`).
"""
from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from ui import layout, roles

_FRAMED = "_navigation_framed"  # session state: dashboard.py's frame has been drawn once

# (file, title or None for the file's name, icon). Icons come from Streamlit's bundled Material
# Symbols font (no download). URLs are the files' names without the number: /Train, /2D_Lab, ...
PAGES = (("home.py", "Home", ":material/home:"),
         ("pages/1_Train.py", None, ":material/model_training:"),
         ("pages/2_2D_Lab.py", None, ":material/scatter_plot:"),
         ("pages/3_Evolution.py", None, ":material/movie:"),
         ("pages/4_Latent_explorer.py", None, ":material/explore:"),
         ("pages/5_Runs.py", None, ":material/folder_open:"),
         ("pages/6_Mode_collapse.py", None, ":material/stethoscope:"),
         ("pages/8_Draw.py", None, ":material/draw:"),
         ("pages/7_Class_demo.py", None, ":material/co_present:"))


def pages() -> list[StreamlitPage]:
    """The pages for st.navigation; Home is the default."""
    return [st.Page(path, title=title, icon=icon, default=path == "home.py") if title
            else st.Page(path, icon=icon) for path, title, icon in PAGES]


def frame() -> StreamlitPage:
    """What dashboard.py does around every page: the app's icon, the sidebar's pages (Home
    first), the teacher's sign-in box. Returns the page to run."""
    # The icon is set before the navigation, so the browser never takes a page's icon for the
    # tab's: it would fetch a Material icon from fonts.gstatic.com (fails offline).
    st.set_page_config(page_title="GANscope", page_icon=layout.favicon(), layout="wide")
    page = st.navigation(pages())
    roles.sign_in_box()  # in every page's sidebar, when a teacher key is set
    st.session_state[_FRAMED] = True
    return page


def arrived() -> None:
    """Call first on every page. When Streamlit runs this page as the legacy `pages/` app
    (nobody has opened the app through dashboard.py since the server started), do what
    dashboard.py does (`frame`): declaring the app's pages ends the legacy mode for every
    session, and this tab's sidebar is the app's from this run on. Elsewhere (the app's
    normal runs) it does nothing.

    When the session had never been framed (its first run, on a page), the run then starts
    again: a widget's id includes the running page's script hash, which differs between the
    two modes, so the page drawn by the legacy run lost the first click on any of its
    widgets (the next run, under dashboard.py, no longer knows the id). Only then: AppTest
    starts every run in the legacy mode, and rerunning a run that carries a click drops it."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):  # Streamlit 1.67's legacy flag
        first = not st.session_state.get(_FRAMED)
        frame()
        if first:
            st.rerun()
