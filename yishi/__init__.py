"""议事厅 yishi — a platform for grassroots consultative governance."""

__version__ = "0.1.0"
