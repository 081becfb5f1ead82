"""An assessment's questions in and out as files (contract section 19): the import, which
stores what a file's report maps, and the export. The formats themselves are interchange/."""

from ..authoring.questions import append_questions, authoring_body, build_spec, check_room, question_json
from ..authoring.schemas import NewQuestionSchema
from ..authoring.sql import questions as questions_sql
from ..core.errors import ApiError, validation_failed
from ..http.bodies import load_body
from .interchange import export_gift, export_qti3

new_question_schema = NewQuestionSchema()

# format -> (media type, file extension, writer of the authoring bodies as bytes)
EXPORTS = {
    "qti3": ("application/zip", "zip", export_qti3),
    "gift": ("text/plain; charset=utf-8", "gift", lambda bodies: export_gift(bodies).encode("utf-8")),
}


def report_json(report, imported):
    """The import's answer: `imported` with the report's skipped questions and warnings."""
    return {"imported": imported, "skipped": report.skipped, "warnings": report.warnings}


def import_questions(conn, assessment_id, report, dry_run=False):
    """Add the questions a file's report maps, after the assessment's last one, all or none.

    Each body is validated as POST /questions validates one; with one refused (`details`
    names it by its source) or the 1,000 questions passed, 422 and nothing is stored. The
    answer's `imported` are the stored question objects, or with `dry_run` the bodies that
    would be stored, each with the position it would take (nothing is stored, nothing locked).
    """
    if not report.questions:
        raise ApiError(422, "nothing_to_import", "The file holds no question the service can import.", report_json(report, []))
    checked, refused = [], {}
    for source, body in report.questions:
        try:
            fields = load_body(new_question_schema, body)
            checked.append((fields, build_spec(fields["type"], fields)))
        except ApiError as error:
            refused[source] = error.details
    if refused:
        raise validation_failed(refused, f"{len(refused)} of the file's questions do not fit the rules of POST /questions.")
    if dry_run:
        count, _ = questions_sql.question_totals(conn, assessment_id)
        check_room(count, len(checked))
        preview = [{**fields, "position": count + number} for number, (fields, _) in enumerate(checked, start=1)]
        return report_json(report, preview)
    rows = append_questions(conn, assessment_id, checked)
    return report_json(report, [question_json(row, with_key=True) for row in rows])


def export_questions(conn, assessment_id, file_format):
    """(bytes, media type, file extension) of the assessment's questions, in position order, as a file."""
    media_type, extension, write = EXPORTS[file_format]
    bodies = [authoring_body(row) for row in questions_sql.questions_of(conn, assessment_id)]
    return write(bodies), media_type, extension
