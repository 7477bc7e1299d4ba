"""One colour palette for the whole app. Risk levels and RAG states use colour-blind-safe
hues with clear lightness steps, so they stay distinguishable in grey scale."""

LEVEL_COLORS = {
    "Low": "#a6d96a",  # light
    "Medium": "#fdd049",
    "High": "#f28e2b",
    "Critical": "#b2182b",  # dark
}
RAG_COLORS = {"green": "#1a9850", "amber": "#f1a340", "red": "#b2182b", "insufficient": "#bdbdbd"}
# A heat-map cell with too small a sample: lighter than any colour of a heat map's scale.
INSUFFICIENT_CELL = "#ebebeb"
PRIMARY = "#2c5d8f"
SECONDARY = "#7f3c8d"
BAND = "rgba(44, 93, 143, 0.18)"
GRID = "#e5e5e5"
