"""Old path of the import formats, kept only so branches written against it still merge.

Import these from `phongtrao.ingest.services`; this module goes once nothing uses it.
"""

from .services import EXPORT_FORMATS as EXPORT_FORMATS
from .services import IMPORT_FORMATS as IMPORT_FORMATS
from .services import guess_format as guess_format
