"""Page layout helpers: sizes that follow the browser window (a projector, a laptop), and the
app's icon."""
from __future__ import annotations

import functools
import math

import streamlit as st
from PIL import Image, ImageDraw
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


# gan_core.views.style's D and generated-sample colours, written here: importing gan_core
# imports TensorFlow, which the entry file (drawing only the icon and the sidebar) should not wait for.
BLUE, ORANGE = "#1f77b4", "#ff7f0e"


@functools.cache
def favicon() -> Image.Image:
    """The browser tab's icon: the 8-Gaussian ring, orange dots on a blue circle. A picture
    Streamlit serves itself; an emoji needs an emoji font (a box without one) and a Material
    icon as the tab's icon is fetched from fonts.gstatic.com."""
    size, scale = 64, 4  # drawn 4x larger, then shrunk: smooth edges
    big = size * scale
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    centre, ring, dot = big / 2, big * 0.36, big * 0.075
    draw.ellipse([centre - ring, centre - ring, centre + ring, centre + ring],
                 outline=BLUE, width=int(big * 0.06))
    for k in range(8):
        x, y = centre + ring * math.cos(k * math.pi / 4), centre + ring * math.sin(k * math.pi / 4)
        draw.ellipse([x - dot, y - dot, x + dot, y + dot], fill=ORANGE)
    return img.resize((size, size), Image.Resampling.LANCZOS)
