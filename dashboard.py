"""GANscope: `streamlit run dashboard.py`. The pages, in the sidebar's order, with Home first."""
from ui import navigation

navigation.frame().run()  # the icon, the pages (ui/navigation.py), the sign-in box; then the page
