"""What every chapter's figure tests share: a figure is a real, titled matplotlib Figure."""

from matplotlib.figure import Figure


def titled(fig):
    """Assert that ``fig`` is a Figure with axes and a title (on an axis or the figure); return it."""
    assert isinstance(fig, Figure), f"expected a matplotlib Figure, got {type(fig).__name__}"
    assert fig.axes, "the figure has no axes"
    assert any(ax.get_title() for ax in fig.axes) or (fig._suptitle and fig._suptitle.get_text()), (
        "the figure has no title"
    )
    return fig
