"""The app's pages, in the sidebar's order with Home first, and the guard every page calls
first so it always runs inside them.

Streamlit treats a `pages/` folder beside the entry file as the legacy multipage app until
some session has run `st.navigation` ("As soon as any session of your app executes the
st.navigation command, your app will ignore the pages/ directory (across all sessions)", its
documentation). So on a freshly started server, a student arriving on a shared link such as
`/Train?run=...` got the legacy app: pages in file order under "dashboard", no icons, and
none of dashboard.py (the teacher's sign-in box). `arrived()` notices that case and runs the
page again through dashboard.py.
"""
from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

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


def arrived() -> None:
    """Call first on every page. When Streamlit ran this page as the legacy `pages/` app
    (nobody had opened the app through dashboard.py since the server started), declare the
    app's pages, which ends the legacy mode for every session, and run this tab again: the
    page's URL is kept (a page's id is its URL path in both modes) and dashboard.py draws it.
    Elsewhere (the app's normal runs, a page opened alone in a test) it does nothing."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):  # Streamlit 1.67's legacy flag
        st.navigation(pages())
        st.rerun()
