"""Links that carry a run's settings (gan_core.links) on the page side: what this tab's
address asks for, and the address to hand out. A link opens the home page's new-run form
filled in, e.g. http://host:8501/?dataset=ring8&loss=wgan_gp&lr_d=2e-4&seed=3."""
from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from gan_core import ConfigError, RunConfig
from gan_core.links import LinkSettings, from_query, query_string
from ui.labels import label, said


def asked() -> LinkSettings | None:
    """The settings this page's address asks for, or None when it carries none."""
    found = from_query(st.query_params.to_dict())  # the last value of a repeated parameter
    return None if found.empty else found


def app_url() -> str:
    """The app's home address as this browser reaches it (scheme, host and port from
    st.context.url, then the server's base path), or this server's own without a browser."""
    seen = st.context.url
    if seen:
        parts = urlsplit(seen)
        origin = f"{parts.scheme}://{parts.netloc}"
    else:  # no browser (AppTest)
        origin = f"http://{st.get_option('server.address') or 'localhost'}:" \
                 f"{st.get_option('server.port')}"
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{origin}/{base + '/' if base else ''}"


def url_for(cfg: RunConfig) -> str:
    """The link that opens the new-run form filled with `cfg` (ConfigError: no link)."""
    return f"{app_url()}?{query_string(cfg)}"


def share(cfg: RunConfig, caption: str = "") -> None:
    """The link for `cfg` to copy (the copy icon of the code box), or why there is none."""
    try:
        url = url_for(cfg)
    except ConfigError as exc:
        st.info(f"No link for these settings: {said(exc)}", icon=":material/link_off:")
        return
    st.code(url, language=None, wrap_lines=True)
    if caption:
        st.caption(caption)


def explain(link: LinkSettings) -> None:
    """Say which settings came from the link, and why any parameter was not used."""
    used = " · ".join(f"{label(k)} `{_shown(getattr(link.config, k))}`" for k in link.given)
    if used:
        st.info(f"These settings came from a link: {used}. The rest are the dataset's "
                "defaults. Check them below and press **Create and start**.",
                icon=":material/link:")
    for key, exc in link.errors.items():
        where = f" ({label(key)})" if label(key) != key else ""
        st.warning(f"Not used from the link: `{_shown(key)}={_shown(st.query_params.get(key))}`"
                   f"{where}: "
                   f"{said(exc)}", icon=":material/link_off:")


def _shown(value: object) -> str:
    """A value from the address as inline code: short, and never markdown (a title from a
    link must not draw pictures from elsewhere on thirty screens)."""
    text = str(value).replace("`", "'")
    return text if len(text) <= 40 else text[:39] + "…"
