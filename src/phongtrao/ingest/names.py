"""The names of the file formats, importable without Django (the CLI parses with them)."""

IMPORT_FORMATS = ("csv", "xlsx", "dhis2-json", "dhis2-csv", "adx", "dhis2-metadata")
EXPORT_FORMATS = ("csv", "dhis2-json", "dhis2-csv", "adx")
