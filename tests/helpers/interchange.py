"""Helpers for the interchange tests: fixture files, zips built in memory, and the import
and export routes as the tests call them."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "interchange"


def fixture_bytes(relative):
    """The bytes of a fixture file."""
    return (FIXTURES / relative).read_bytes()


def zip_folder(relative):
    """A zip of a fixture folder, entries named relative to it (a content package)."""
    folder = FIXTURES / relative
    return zip_entries({str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()})


def zip_entries(entries, compression=zipfile.ZIP_DEFLATED):
    """A zip holding `entries` {name: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return buffer.getvalue()


def manifest(*hrefs, kind="imsqti_item_xmlv3p0"):
    """A minimal imsmanifest.xml listing `hrefs` as QTI resources."""
    resources = "".join(
        f'<resource identifier="r{index}" type="{kind}" href="{href}"><file href="{href}"/></resource>' for index, href in enumerate(hrefs)
    )
    return (
        f'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m"><resources>{resources}</resources></manifest>'.encode()
    )


# ---------------------------------------------------------------- through the API

SCORED_TYPES = ("multiple_choice", "matching", "ordering")


def import_url(assessment_id, dry_run=False):
    return f"/api/v1/assessments/{assessment_id}/questions/import" + ("?dry_run=true" if dry_run else "")


def import_file(testapp, caller, assessment_id, data, content_type, status=201, dry_run=False, headers=None):
    """POST the file to the import route; the response."""
    sent = {**caller.headers, "Content-Type": content_type, **(headers or {})}
    return testapp.post(import_url(assessment_id, dry_run), data, headers=sent, status=status)


def comparable(body):
    """An authoring body with the service's defaults filled in and without what the service
    does not keep (feedback) or show in order (distractors): what two imports of the same
    questions must agree on."""
    kind = body["type"]
    found = {"type": kind, "prompt": body["prompt"], "points": Decimal(body.get("points", 1))}
    if kind in ("single_choice", "multiple_choice"):
        found["choices"] = [{"text": choice["text"], "correct": choice["correct"]} for choice in body["choices"]]
    elif kind in ("true_false", "numeric"):
        found["correct_answer"] = body["correct_answer"]
    if kind == "numeric":
        found["tolerance"] = Decimal(body.get("tolerance", 0))
    elif kind == "short_text":
        found["accepted_answers"] = body["accepted_answers"]
        found["case_sensitive"] = body.get("case_sensitive", False)
    elif kind == "matching":
        found["pairs"] = [{"prompt": pair["prompt"], "match": pair["match"]} for pair in body["pairs"]]
        found["distractors"] = sorted(body.get("distractors", []))
    elif kind == "ordering":
        found["items"] = [{"text": item["text"]} for item in body["items"]]
    if kind in SCORED_TYPES:
        found["scoring"] = body.get("scoring", "all_or_nothing")
    return found


def authored(question):
    """comparable() of a question object as its instructor sees it (with the answer key)."""
    kind = question["type"]
    body = {key: question[key] for key in ("type", "prompt", "points") if key in question}
    body.update(
        {
            key: question[key]
            for key in ("choices", "correct_answer", "tolerance", "accepted_answers", "case_sensitive", "scoring")
            if key in question
        }
    )
    if kind == "matching":
        text_of = {option["id"]: option["text"] for option in question["options"]}
        key = question["correct_answer"]
        body["pairs"] = [{"prompt": prompt["text"], "match": text_of[key[prompt["id"]]]} for prompt in question["prompts"]]
        body["distractors"] = [text for option_id, text in text_of.items() if option_id not in set(key.values())]
        del body["correct_answer"]
    elif kind == "ordering":
        text_of = {item["id"]: item["text"] for item in question["items"]}
        body["items"] = [{"text": text_of[item_id]} for item_id in question["correct_answer"]]
        del body["correct_answer"]
    return comparable(body)
