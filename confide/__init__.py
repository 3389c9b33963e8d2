"""Confide: a data firewall between essential services and immigration enforcement."""

__version__ = "0.1.0"
