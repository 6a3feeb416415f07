"""The targets-vs-evidence chart shows what it claims to show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from simlib.inputs.bundle import load_bundle  # noqa: E402
from simlib.present.plots import plot_targets_vs_evidence  # noqa: E402

B = load_bundle()


def _texts(fig):
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts] + [ax.get_title(loc="left")]
        leg = ax.get_legend()
        if leg:
            out += [t.get_text() for t in leg.get_texts()]
    return out


def test_chart_labels_targets_observations_and_sources():
    fig = plot_targets_vs_evidence(B)
    try:
        assert len(fig.axes) == 2
        texts = " | ".join(_texts(fig))
        assert "≥40.12" in texts
        assert "45.81 (appendix; body: 45.84)" in texts  # both Long An THPT figures are labelled
        assert "13.19" in texts and "14.51" in texts and "9.35 (alt. reading)" in texts
        assert "10 to over 16" in texts
        assert "Tân Thạnh 65,22" in texts  # the outlying district target is named
        assert "Sources:" in texts
    finally:
        plt.close(fig)
