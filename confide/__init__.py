"""Confide: a data firewall between essential services and immigration enforcement."""
