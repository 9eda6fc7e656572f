"""Page layout helpers: sizes that follow the browser window (a projector, a laptop)."""
from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def screen_square(key: str, beside: int = 260, below: int = 100, least: int = 420
                  ) -> DeltaGenerator:
    """A container as tall as the browser window less `below` px (at least `least`) and at
    most as wide as it is tall plus `beside` px (a legend): a square plot inside it
    (st.plotly_chart(..., height="stretch")) is as big as the screen allows, at 1280x720 as at
    1920x1080, with its legend next to it. Streamlit sizes charts in pixels only, so a CSS rule
    on the container's `st-key-` class does it."""
    height = f"max({least}px, calc(100vh - {below}px))"
    st.html(f"<style>.st-key-{key} {{height: {height}; max-width: calc({height} + {beside}px); "
            "flex: 0 0 auto;}</style>")
    return st.container(key=key, border=False)
