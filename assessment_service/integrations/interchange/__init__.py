"""Question interchange: QTI 1.2 / 2.x / 3.0 and Moodle GIFT in, QTI 3.0 and GIFT out.

Pure functions on bytes and authoring bodies; no Flask, no database. The route turns an
`ImportRefused` into the error envelope and stores the report's bodies.
"""

from .errors import ImportRefused
from .gift import export_gift
from .importer import MAX_IMPORT_BYTES, parse
from .qti_export import export_qti3
from .report import Imported, ImportReport

__all__ = ["ImportRefused", "ImportReport", "Imported", "MAX_IMPORT_BYTES", "export_gift", "export_qti3", "parse"]
