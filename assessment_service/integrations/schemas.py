"""The query strings and answers of the question import and export routes (contract section 19)."""

from marshmallow import Schema, fields, validate

from ..authoring.schemas import NEW_QUESTION_BY_TYPE, question_object
from ..http.fields import OneOf

EXPORT_FORMATS = ("qti3", "gift")


class ImportQuery(Schema):
    dry_run = fields.Boolean(
        load_default=False,
        truthy={"true"},
        falsy={"false"},
        metadata={"description": "true: answer 200 with the report and store nothing."},
    )


class ExportQuery(Schema):
    format = fields.String(
        required=True,
        validate=validate.OneOf(EXPORT_FORMATS),
        metadata={"description": "qti3: a QTI 3.0 content package (zip); gift: Moodle GIFT text."},
    )


class SkippedQuestionSchema(Schema):
    source = fields.String(required=True, metadata={"description": "Where in the file: `path#item` or `line 12 (title)`."})
    reason = fields.String(required=True)


class ImportReportSchema(Schema):
    imported = fields.List(question_object(), required=True, metadata={"description": "The questions added, in position order."})
    skipped = fields.List(fields.Nested(SkippedQuestionSchema), required=True)
    warnings = fields.List(
        fields.String(), required=True, metadata={"description": "What an imported question lost on the way (`source: what`)."}
    )


class DryRunReportSchema(Schema):
    imported = fields.List(
        OneOf(NEW_QUESTION_BY_TYPE, discriminator="type"),
        required=True,
        metadata={"description": "The questions that would be added, as POST /questions bodies with the position each would take."},
    )
    skipped = fields.List(fields.Nested(SkippedQuestionSchema), required=True)
    warnings = fields.List(fields.String(), required=True)
