"""How a run is drawn: `style` (labels, colours, decimation, smoothing), `ticks` and `marks`
(axes and event marks), `plotly_charts` (interactive charts), `pillow_charts` (the same charts
as pictures, while a run trains) and `pillow_images` (sample grids, GIFs, 2D scatters)."""
