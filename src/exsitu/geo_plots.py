"""Maps of a taxon's range for Step 1: records, minimum convex polygon (EOO) and occupied AOO cells.

Drawn with matplotlib on a plain longitude-latitude frame, with no basemap tiles, so it works offline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyproj
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon

from exsitu import geo
from exsitu.validation import InvalidInputError

__all__ = ["plot_range", "unwrap_longitudes"]

_GEOD = pyproj.Geod(ellps="WGS84")


def unwrap_longitudes(longitude: Any) -> np.ndarray:
    """Longitudes shifted by multiples of 360° so that the points span the shortest interval.

    Points on both sides of the antimeridian (e.g. 179.5 and -179.5) come out contiguous (179.5, 180.5);
    others are unchanged. The interval is cut at the middle of the widest gap between the points.
    """
    lon = np.asarray(longitude, dtype=float)
    if lon.size == 0:
        return lon.copy()
    wrapped = np.mod(lon + 180.0, 360.0) - 180.0
    ordered = np.unique(wrapped)
    gaps = np.diff(np.concatenate((ordered, [ordered[0] + 360.0])))
    widest = int(np.argmax(gaps))
    if widest == len(ordered) - 1:  # the widest gap already spans the antimeridian: nothing to do
        return lon.astype(float, copy=True)
    start = ordered[widest + 1]  # first longitude after the widest gap
    return start + np.mod(wrapped - start, 360.0)


def plot_range(
    latitude: Any,
    longitude: Any,
    ax: Axes | None = None,
    *,
    cell_size_km: float = 2.0,
    origin: tuple[float, float] = (0.0, 0.0),
    title: str | None = None,
    show_cells: bool = True,
    show_hull: bool = True,
) -> Figure:
    """Map the records, their minimum convex polygon and the occupied AOO cells; return the figure.

    The polygon's geodesic edges are drawn densified (every ~1 km of ground, at most 200 points per edge)
    and each AOO cell is drawn as its true outline (EPSG:6933 cells are longitude-latitude rectangles).
    EOO and AOO (computed with :func:`exsitu.geo.extent_of_occurrence`, ``at_least_aoo=True``, and
    :func:`exsitu.geo.area_of_occupancy` on the same grid) appear in the legend and title. Ranges that
    cross the antimeridian are drawn with contiguous longitudes (e.g. 179 to 181 rather than 179 and
    -179; ticks then read beyond 180). The aspect ratio is set so that shapes look right at the mid-latitude.
    """
    lat, lon = geo._coordinates(latitude, longitude)
    if ax is not None and not isinstance(ax, Axes):
        raise InvalidInputError("ax", f"expected matplotlib Axes, got {type(ax).__name__}",
                                "pass ax=... from plt.subplots(), or leave it out")
    if ax is None:
        figure = Figure(figsize=(7, 6.5), layout="constrained")
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    cells = geo.occupied_cells(lat, lon, cell_size_km, origin)
    cell_km = float(cell_size_km)
    aoo = len(cells) * cell_km ** 2
    hull = geo._hull(lat, lon)
    polygon_area = None if hull is None else geo.polygon_area_km2(*hull)
    eoo = aoo if polygon_area is None else max(polygon_area, aoo)

    plot_lon = unwrap_longitudes(lon)
    reference = float(np.median(plot_lon))

    def near_reference(values: np.ndarray) -> np.ndarray:
        return values + 360.0 * np.round((reference - values) / 360.0)

    handles = []
    xs, ys = [plot_lon], [lat]
    if show_cells and len(cells):
        shift = near_reference(cells["lon_min"].to_numpy()) - cells["lon_min"].to_numpy()
        x0 = cells["lon_min"].to_numpy() + shift
        x1 = cells["lon_max"].to_numpy() + shift
        y0, y1 = cells["lat_min"].to_numpy(), cells["lat_max"].to_numpy()
        outlines = np.stack((np.column_stack((x0, y0)), np.column_stack((x1, y0)),
                             np.column_stack((x1, y1)), np.column_stack((x0, y1))), axis=1)
        ax.add_collection(PolyCollection(outlines, facecolor="tab:orange", edgecolor="tab:red",
                                         alpha=0.45, linewidth=0.6, zorder=2))
        xs += [x0, x1]
        ys += [y0, y1]
        handles.append(Patch(facecolor="tab:orange", edgecolor="tab:red", alpha=0.45,
                             label=f"AOO: {len(cells)} cells of {cell_km:g}×{cell_km:g} km = {aoo:,.0f} km²"))
    if show_hull and hull is not None:
        ring_lat, ring_lon = _densified_ring(*hull)
        ring_lon = ring_lon + 360.0 * np.round((reference - ring_lon.mean()) / 360.0)
        xs.append(ring_lon)
        ys.append(ring_lat)
        ax.add_patch(Polygon(np.column_stack((ring_lon, ring_lat)), closed=True, facecolor="tab:blue",
                             alpha=0.12, edgecolor="tab:blue", linewidth=1.5, zorder=1))
        eoo_label = f"EOO (minimum convex polygon) = {eoo:,.0f} km²"
        if polygon_area is not None and polygon_area < aoo:
            eoo_label += " (set to AOO)"
        handles.append(Patch(facecolor="tab:blue", alpha=0.25, edgecolor="tab:blue", label=eoo_label))
    elif show_hull:
        handles.append(Patch(facecolor="none", edgecolor="none",
                             label=f"EOO = AOO = {eoo:,.0f} km² (no polygon: fewer than three distinct points "
                                   "or all on one line)"))
    points = ax.scatter(plot_lon, lat, s=12, color="black", zorder=3, label=f"records ({lat.size})")
    ax.legend(handles=[points, *handles], loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize="small",
              frameon=False)

    # Limits: the records, the polygon and the cells, with a margin.
    x_all, y_all = np.concatenate(xs), np.concatenate(ys)
    x_pad = max(0.05 * (x_all.max() - x_all.min()), 0.02)
    y_pad = max(0.05 * (y_all.max() - y_all.min()), 0.02)
    ax.set_xlim(x_all.min() - x_pad, x_all.max() + x_pad)
    ax.set_ylim(max(y_all.min() - y_pad, -90.0), min(y_all.max() + y_pad, 90.0))
    mid_lat = float(np.clip(np.mean(ax.get_ylim()), -85.0, 85.0))
    ax.set_aspect(1.0 / np.cos(np.radians(mid_lat)), adjustable="box")
    ax.set_xlabel("longitude (degrees east" + (", beyond 180 = west of the antimeridian)"
                                               if x_all.max() > 180 or x_all.min() < -180 else ")"))
    ax.set_ylabel("latitude (degrees north)")
    ax.grid(True, linewidth=0.3, alpha=0.6)
    ax.set_title(title if title is not None else f"EOO {eoo:,.0f} km² · AOO {aoo:,.0f} km²")
    return figure


def _densified_ring(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points along the polygon's geodesic edges, for drawing, with continuous longitudes.

    A polygon around a pole is closed along that pole's latitude (±90) so that it fills the right side.
    """
    ring_lat, ring_lon = [], []
    count = len(lat)
    for k in range(count):
        lat1, lon1 = float(lat[k]), float(lon[k])
        lat2, lon2 = float(lat[(k + 1) % count]), float(lon[(k + 1) % count])
        _, _, distance = _GEOD.inv(lon1, lat1, lon2, lat2)
        between = int(min(200, distance // 1000))
        ring_lat.append(lat1)
        ring_lon.append(lon1)
        if between > 0:
            points = _GEOD.npts(lon1, lat1, lon2, lat2, between)
            ring_lon.extend(p[0] for p in points)
            ring_lat.extend(p[1] for p in points)
    ring_lat_array = np.asarray(ring_lat)
    steps = np.diff(np.asarray(ring_lon + ring_lon[:1]))
    steps = np.mod(steps + 180.0, 360.0) - 180.0  # each step the short way round
    continuous = ring_lon[0] + np.concatenate(([0.0], np.cumsum(steps)))
    winding = continuous[-1] - continuous[0]
    if abs(winding) > 180.0:  # the polygon goes round a pole
        pole = 90.0 if ring_lat_array.mean() > 0 else -90.0
        return (np.concatenate((ring_lat_array, [ring_lat_array[0], pole, pole])),
                np.concatenate((continuous[:-1], [continuous[-1], continuous[-1], continuous[0]])))
    return ring_lat_array, continuous[:-1]
