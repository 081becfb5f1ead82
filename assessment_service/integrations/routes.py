"""Question import and export: QTI and GIFT files in and out of an assessment (contract section 19)."""

from flask import Blueprint, current_app, jsonify, request

from ..authoring.loaders import load_assessment
from ..core.errors import ApiError
from ..http.bodies import parse_query, request_body
from ..http.openapi import Tag, documented
from ..http.responses import created
from ..identity.authentication import current_user
from ..platform import db
from .interchange import ImportRefused, parse
from .question_files import export_questions, import_questions
from .schemas import DryRunReportSchema, ExportQuery, ImportQuery, ImportReportSchema

bp = Blueprint("integrations", __name__)

INTERCHANGE = Tag(
    "Interchange",
    "An assessment's questions in and out as files: IMS content packages (QTI 1.2 from Canvas, QTI 2.1 and 3.0), single "
    "QTI items and Moodle GIFT.",
)
MANAGERS_ONLY = "`forbidden`: the caller reads the assessment but is neither an admin nor an instructor of its course."
# What each import format is, for the document; the import tells them apart by Content-Type.
IMPORT_BODIES = {
    "application/zip": {"type": "string", "format": "binary", "description": "An IMS content package: imsmanifest.xml and its QTI files."},
    "application/xml": {"type": "string", "description": "One QTI 2.x/3.0 item, or a QTI 1.2 questestinterop file."},
    "text/xml": {"type": "string", "description": "As application/xml."},
    "text/plain": {"type": "string", "description": "Moodle GIFT, UTF-8."},
}
FILE = {"type": "string", "format": "binary"}

import_query_schema = ImportQuery()
export_query_schema = ExportQuery()


@bp.post("/assessments/<id:assessment_id>/questions/import")
@documented(
    "Import questions from a QTI or GIFT file (admin or course instructor)",
    tag=INTERCHANGE,
    operation_id="import_questions",
    description="The file's format is its Content-Type: application/zip (an IMS content package), application/xml or "
    "text/xml (one QTI item) or text/plain (GIFT). Every question it holds that the service can map is added after the "
    "assessment's last one, in one transaction; the others are listed in `skipped` with the reason, and what a question "
    "lost on the way in `warnings`. The file may be at most MAX_IMPORT_BYTES (10 MiB by default); a package at most 2,000 "
    "entries and 50 MiB unpacked. `?dry_run=true` answers 200 with the questions as POST /questions bodies and stores "
    "nothing.",
    query=ImportQuery,
    body_content=IMPORT_BODIES,
    max_body="MAX_IMPORT_BYTES",
    response=ImportReportSchema,
    status=201,
    location=False,
    also={200: ("Dry run: what would be imported; nothing was stored", DryRunReportSchema)},
    errors={
        403: MANAGERS_ONLY,
        422: "`nothing_to_import`: the file holds no question the service can map (`details` is the report). "
        "`validation_failed`: the file cannot be read or is refused (DTDs, entities, external references, a package "
        "too large, too many entries or a path outside it), a mapped question breaks the rules of POST /questions "
        "(`details` names its source), or the questions would pass 1,000.",
    },
)
def import_questions_from_file(assessment_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    query = parse_query(import_query_schema)
    try:
        report = parse(request_body(), request.content_type, max_bytes=current_app.config["MAX_IMPORT_BYTES"])
    except ImportRefused as refusal:
        raise ApiError(refusal.status, refusal.code, refusal.message, refusal.details) from None
    answer = import_questions(conn, assessment_id, report, dry_run=query["dry_run"])
    if query["dry_run"]:
        return jsonify(answer)
    return created(answer)


@bp.get("/assessments/<id:assessment_id>/export")
@documented(
    "Export an assessment's questions as a QTI 3.0 package or GIFT (admin or course instructor)",
    tag=INTERCHANGE,
    operation_id="export_questions",
    description="`format=qti3`: a QTI 3.0 content package (application/zip, one item per question); `format=gift`: Moodle "
    "GIFT (text/plain), which has no ordering questions (each is left out with a comment saying so). Points, scoring "
    "modes, tolerances and case sensitivity are kept, so importing the file gives the same questions.",
    query=ExportQuery,
    response=FILE,
    content_type=("application/zip", "text/plain"),
    errors={403: MANAGERS_ONLY},
)
def export_questions_as_file(assessment_id):
    conn = db.connection()
    load_assessment(conn, current_user(), assessment_id, manage=True)
    query = parse_query(export_query_schema)
    data, media_type, extension = export_questions(conn, assessment_id, query["format"])
    response = current_app.response_class(data, mimetype=None, content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{assessment_id}.{extension}"'
    return response
