"""The query and the body of GET /assessments/{id}/statistics (contract section 17)."""

from marshmallow import Schema, fields, validate

from ..http.fields import Timestamp

ATTEMPTS = ("all", "first", "graded")


def _figure(description, **range_):
    return fields.Decimal(
        required=True, allow_none=True, validate=validate.Range(**range_) if range_ else None, metadata={"description": description}
    )


class StatisticsQuery(Schema):
    attempts = fields.String(
        load_default="all",
        validate=validate.OneOf(ATTEMPTS),
        metadata={
            "description": "Which submissions count: `all`, each learner's `first`, or `graded` (those their grade counts: "
            "every one under `average`, else the grade's submission)."
        },
    )


class HistogramBucketSchema(Schema):
    from_ = fields.Integer(required=True, data_key="from", validate=validate.Range(min=0, max=90))
    to = fields.Integer(required=True, validate=validate.Range(min=10, max=100))
    count = fields.Integer(required=True, validate=validate.Range(min=0))


class StatisticsScoreSchema(Schema):
    mean = _figure("Two decimals.", min=0, max=100)
    median = _figure("The mean of the middle two for an even count; two decimals.", min=0, max=100)
    stdev = _figure("Population standard deviation; four decimals.", min=0)
    min = _figure("Two decimals.", min=0, max=100)
    max = _figure("Two decimals.", min=0, max=100)
    pass_rate = _figure("The share that passed, 0-1.", min=0, max=1)
    histogram = fields.List(
        fields.Nested(HistogramBucketSchema),
        required=True,
        metadata={"description": "Ten buckets of 10 points, each from <= score < to; the last holds 100 too."},
    )


class StatisticsReliabilitySchema(Schema):
    cronbach_alpha = _figure("Over the questions on every paper; null with fewer than 2 submissions or such questions, or no variance.")
    sem = _figure("stdev x sqrt(1 - alpha); null with alpha.", min=0)


class ChoiceCountSchema(Schema):
    choice_id = fields.String(required=True)
    count = fields.Integer(required=True, validate=validate.Range(min=0))


class QuestionStatisticsSchema(Schema):
    question_id = fields.String(required=True)
    responses = fields.Integer(required=True, validate=validate.Range(min=0), metadata={"description": "Counted papers that held it."})
    answered = fields.Integer(required=True, validate=validate.Range(min=0))
    facility = _figure("Mean credit, 0-1.", min=0, max=1)
    discrimination = _figure("Facility among the top 27% by score minus that among the bottom 27%.", min=-1, max=1)
    point_biserial = _figure("Correlation of the credit with the points earned on the other questions.", min=-1, max=1)
    choices = fields.List(
        fields.Nested(ChoiceCountSchema), metadata={"description": "Choice questions only: how many answers chose each choice."}
    )


class StatisticsSchema(Schema):
    assessment_id = fields.String(required=True)
    attempts = fields.String(required=True, validate=validate.OneOf(ATTEMPTS))
    computed_at = Timestamp(required=True)
    submission_count = fields.Integer(required=True, validate=validate.Range(min=0))
    learner_count = fields.Integer(required=True, validate=validate.Range(min=0))
    score = fields.Nested(StatisticsScoreSchema, required=True)
    reliability = fields.Nested(StatisticsReliabilitySchema, required=True)
    questions = fields.List(
        fields.Nested(QuestionStatisticsSchema),
        required=True,
        metadata={"description": "The assessment's questions in position order, then any deleted one that stored results name."},
    )
