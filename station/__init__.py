"""The intake station's Qt-free core: domain, validation, storage, keys, audit, reports, CLI."""

__version__ = "0.1.0"
