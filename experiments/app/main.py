"""Entry script of the app: ``streamlit run experiments/app/main.py`` (or ``inv-gym app``)."""

from __future__ import annotations

import streamlit as st

from experiments.app import PAGES, page_path

st.set_page_config(page_title="inv-gym digital twin", layout="wide")
pages = [
    st.Page(page_path(name), title=title, url_path=name, default=(i == 0)) for i, (name, title) in enumerate(PAGES)
]
st.navigation(pages).run()
