"""Who may do what: off by default; a teacher and students when a teacher key is set.

Without a key (one person at a laptop) every browser controls everything, as before. With
`GANSCOPE_TEACHER_KEY` in the environment, or `teacher_key` in .streamlit/secrets.toml, a
browser that entered the key is the teacher and controls every run; every other browser is a
student: it watches any run, starts its own, and controls and deletes only those. A run's
owner is recorded in its folder as a hash of the browser's id (a random id in a cookie, so a
reload keeps it); runs nobody owns (the CLI's, the lessons started by the teacher, older
runs) are the teacher's. The key is compared in constant time and never logged or shown.

Where Streamlit's OIDC login is configured (an `[auth]` section in secrets.toml, and
Authlib installed: `pip install "streamlit[auth]"`), the teacher can be a named account
instead: `GANSCOPE_TEACHER_ACCOUNT` or `teacher_account` in secrets.toml holds its e-mail
address, and a browser logged in (st.login) as that account is the teacher. Either setting
turns roles on; with both, either way in works.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:  # the router draws the sign-in box before TensorFlow is imported
    from gan_core import Trainer

ENV = "GANSCOPE_TEACHER_KEY"
ACCOUNT_ENV = "GANSCOPE_TEACHER_ACCOUNT"
COOKIE = "ganscope_viewer"
COOKIE_DAYS = 180


def _setting(env: str, secret: str) -> str | None:
    value = os.environ.get(env, "")
    if not value:
        try:
            value = str(st.secrets.get(secret, ""))
        except Exception:  # no secrets.toml, or an unreadable one: the setting is not set
            value = ""
    return value or None


def teacher_key() -> str | None:
    """The configured key, or None."""
    return _setting(ENV, "teacher_key")


def teacher_account() -> str | None:
    """The teacher's e-mail address for OIDC login (st.login), or None."""
    account = _setting(ACCOUNT_ENV, "teacher_account")
    return account.strip().lower() if account else None


def key_matches(given: str, key: str) -> bool:
    return hmac.compare_digest(given.encode(), key.encode())


def on() -> bool:
    """Whether roles are on: a teacher key or a teacher account is configured."""
    return teacher_key() is not None or teacher_account() is not None


def login_configured() -> bool:
    """Whether st.login can work here: an [auth] section in secrets.toml."""
    try:
        return "auth" in st.secrets
    except Exception:
        return False


def logged_in_account() -> str | None:
    """The e-mail address this browser logged in with (st.login), lower case; else None."""
    try:
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email")
    except Exception:  # no login configured
        return None
    return str(email).strip().lower() if email else None


def _is_teacher_account() -> bool:
    account, mine = teacher_account(), logged_in_account()
    return bool(account and mine) and hmac.compare_digest(mine.encode(), account.encode())


class _Teachers:
    """The browsers (by owner tag) that entered the key in this server process: a reload of
    the projector's tab keeps it the teacher's."""

    def __init__(self) -> None:
        self._tags: set[str] = set()
        self._lock = threading.Lock()  # guards _tags: every tab's script thread reads it

    def add(self, tag: str) -> None:
        with self._lock:
            self._tags.add(tag)

    def discard(self, tag: str) -> None:
        with self._lock:
            self._tags.discard(tag)

    def __contains__(self, tag: str) -> bool:
        with self._lock:
            return tag in self._tags


@st.cache_resource
def _teachers() -> _Teachers:
    return _Teachers()


def is_teacher() -> bool:
    """Everyone is, when roles are off."""
    return not on() or owner_tag() in _teachers() or _is_teacher_account()


def viewer_id() -> str:
    """This browser's id: from its cookie, else made now (and the cookie set, so the next
    session of this browser has the same id)."""
    vid = st.session_state.get("_viewer_id")
    if vid is None:
        cookie = st.context.cookies.get(COOKIE, "")
        vid = cookie if len(cookie) == 32 and cookie.isalnum() else secrets.token_hex(16)
        st.session_state["_viewer_id"] = vid
        if cookie != vid:
            st.html(f"<script>document.cookie = '{COOKIE}={vid}; path=/; SameSite=Strict; "
                    f"max-age={COOKIE_DAYS * 86400}';</script>", unsafe_allow_javascript=True)
    return vid


def owner_tag() -> str:
    """What a run folder records as this browser's (the id's hash: a folder never holds a
    secret that would let its reader act as the owner)."""
    return hashlib.sha256(viewer_id().encode()).hexdigest()


def new_run_owner() -> str | None:
    """The owner to record for a run this browser starts: its tag when it is a student;
    None (the teacher's) otherwise."""
    return None if is_teacher() else owner_tag()


def may_control(owner: str | None) -> bool:
    """Whether this browser may pause, step, change, stop or delete a run owned by `owner`."""
    return is_teacher() or (owner is not None and hmac.compare_digest(owner, owner_tag()))


def may_control_run(trainer: Trainer) -> bool:
    return may_control(trainer.store.owner()) if on() else True


def controller_note(owner: str | None) -> str:
    """Who controls a run, for the caption under controls a viewer may not use."""
    if owner is None:
        return "The teacher controls this run; you can watch it."
    if may_control(owner):
        return "Your run: you control it."
    return "Another student's run: you can watch it; they (and the teacher) control it."


def sign_in_box() -> None:
    """In the sidebar when roles are on: enter the key (or log in as the teacher's account)
    to become the teacher, or sign out."""
    key, account = teacher_key(), teacher_account()
    if key is None and account is None:
        return
    with st.sidebar.expander("Teacher", expanded=False):
        if _is_teacher_account():
            st.caption(f"Logged in as the teacher ({logged_in_account()}): you control every run.")
            if st.button("Log out", key="teacher_logout"):
                st.logout()
            return
        if is_teacher():
            st.caption("You are the teacher: you control every run.")
            if st.button("Sign out", key="teacher_out"):
                _teachers().discard(owner_tag())
                st.rerun()
            return
        if account is not None:
            _login_button()
        if key is not None:
            st.text_input("Teacher key", type="password", key="teacher_key_input")
            st.button("Sign in", key="teacher_in", on_click=_sign_in, args=(key,))
            if st.session_state.pop("_teacher_refused", False):
                st.error("That is not the teacher key.")


def _login_button() -> None:
    """Log in with the identity provider (st.login); or why that is not possible here."""
    if not login_configured():
        st.caption("A teacher account is set, but login is not configured: add an [auth] "
                   "section to .streamlit/secrets.toml (see the README).")
        return
    mine = logged_in_account()
    if mine:  # logged in, as someone else
        st.caption(f"Logged in as {mine}, not the teacher's account.")
        if st.button("Log out", key="teacher_logout"):
            st.logout()
        return
    if st.button("Log in as the teacher", key="teacher_login"):
        st.login()


def _sign_in(key: str) -> None:
    """The Sign in button's callback: the typed key is compared, then cleared from the box."""
    given = st.session_state.get("teacher_key_input", "")
    st.session_state["teacher_key_input"] = ""
    if key_matches(given, key):
        _teachers().add(owner_tag())
    else:
        st.session_state["_teacher_refused"] = True
