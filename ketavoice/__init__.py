"""ketavoice: an offline voice companion for the hours after a ketamine infusion."""

__version__ = "0.1.0"
