"""Tests for exsitu.geo_plots: the range map (records, minimum convex polygon, AOO cells)."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from exsitu import geo
from exsitu.geo_plots import plot_range, unwrap_longitudes
from exsitu.validation import InvalidInputError

FROM_GRID = pyproj.Transformer.from_crs("EPSG:6933", "EPSG:4326", always_xy=True)


def parts(figure: Figure):
    ax = figure.axes[0]
    cells = [c for c in ax.collections if isinstance(c, PolyCollection)]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    hulls = [p for p in ax.patches if isinstance(p, Polygon)]
    return ax, cells, points, hulls


def test_plot_shows_records_hull_and_every_occupied_cell_with_eoo_and_aoo():
    lat = np.array([-7.0, -7.3, -7.1, -6.9, -7.15, -7.15])
    lon = np.array([37.5, 37.6, 37.9, 37.7, 37.65, 37.65])
    figure = plot_range(lat, lon)
    assert isinstance(figure, Figure)
    ax, cells, points, hulls = parts(figure)
    n_cells = len(geo.occupied_cells(lat, lon))
    assert len(cells) == 1 and len(cells[0].get_paths()) == n_cells == 5
    assert len(points) == 1 and len(points[0].get_offsets()) == 6
    assert len(hulls) == 1
    eoo = geo.extent_of_occurrence(lat, lon)
    assert ax.get_title() == f"EOO {eoo:,.0f} km² · AOO {4 * n_cells:,.0f} km²"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert any("5 cells of 2×2 km = 20 km²" in text for text in legend)
    assert any(f"{eoo:,.0f} km²" in text for text in legend)
    # the cells are drawn at their true outlines
    outline = cells[0].get_paths()[0].vertices
    table = geo.occupied_cells(lat, lon)
    assert outline[:, 0].min() == pytest.approx(table["lon_min"].iloc[0])
    assert outline[:, 1].max() == pytest.approx(table["lat_max"].iloc[0])
    # the hull passes through its vertices
    ring = hulls[0].get_xy()
    for v_lat, v_lon in zip(*geo.minimum_convex_polygon(lat, lon)):
        assert np.min(np.hypot(ring[:, 0] - v_lon, ring[:, 1] - v_lat)) < 1e-9


def test_plot_draws_into_a_given_axes_and_uses_its_figure():
    figure = Figure()
    ax = figure.add_subplot()
    result = plot_range([1.0, 1.1, 1.2], [30.0, 30.2, 30.05], ax=ax, title="my taxon", cell_size_km=10.0)
    assert result is figure
    assert ax.get_title() == "my taxon"
    assert any("cells of 10×10 km" in t.get_text() for t in ax.get_legend().get_texts())


def test_a_range_across_the_antimeridian_is_drawn_in_one_piece():
    lat = np.array([-16.8, -16.9, -17.0, -16.7, -16.85])
    lon = np.array([179.9, -179.95, 179.95, -179.8, 179.85])
    ax, cells, points, hulls = parts(plot_range(lat, lon))
    x = points[0].get_offsets()[:, 0]
    assert x.min() == pytest.approx(179.85) and x.max() == pytest.approx(180.2)
    assert hulls[0].get_xy()[:, 0].min() > 179.8 and hulls[0].get_xy()[:, 0].max() < 180.3
    cell_x = np.concatenate([p.vertices[:, 0] for p in cells[0].get_paths()])
    assert cell_x.min() > 179.8 and cell_x.max() < 180.3
    left, right = ax.get_xlim()
    assert right - left < 1.0


def test_a_polygon_round_a_pole_is_closed_along_the_pole():
    lon = np.arange(8) * 45.0 - 180.0
    ax, cells, points, hulls = parts(plot_range(np.full(8, 80.0), lon))
    ring = hulls[0].get_xy()
    assert ring[:, 1].max() == 90.0
    assert ring[:, 0].max() - ring[:, 0].min() == pytest.approx(360.0, abs=1e-6)


def test_fewer_than_three_points_have_no_polygon_and_say_so():
    ax, cells, points, hulls = parts(plot_range([5.0, 5.5], [10.0, 10.2]))
    assert hulls == []
    assert any("no polygon" in t.get_text() for t in ax.get_legend().get_texts())
    assert ax.get_title() == "EOO 8 km² · AOO 8 km²"


def test_plot_rejects_bad_input_naming_the_field():
    with pytest.raises(InvalidInputError, match="^ax: "):
        plot_range([1.0], [2.0], ax="left")
    with pytest.raises(InvalidInputError, match="^latitude: "):
        plot_range([100.0], [2.0])
    with pytest.raises(InvalidInputError, match="^cell_size_km: "):
        plot_range([1.0], [2.0], cell_size_km=-2)


@pytest.mark.parametrize("given, expected", [
    ([179.0, -179.0], [179.0, 181.0]),
    ([10.0, 20.0, 15.0], [10.0, 20.0, 15.0]),
    ([-170.0, 170.0, 0.0], [190.0, 170.0, 0.0]),
    ([-179.5, 179.5, -178.0], [180.5, 179.5, 182.0]),
    ([], []),
])
def test_unwrap_longitudes_gives_the_shortest_contiguous_span(given, expected):
    assert unwrap_longitudes(given).tolist() == pytest.approx(expected)
