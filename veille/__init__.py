"""veille: a content-watch pipeline for French training organisations.

Stages, one module each: ``fetch`` (HTTP), ``feeds`` (feed bytes -> entries), ``pages`` (listing
pages -> article links), ``extract`` (HTML -> text), ``store`` (DuckDB, the only module that speaks
SQL). ``pipeline`` strings them together as plain functions; ``flows/`` wraps them for Prefect.
"""

__version__ = "0.1.0"
