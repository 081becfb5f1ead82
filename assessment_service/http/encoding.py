"""JSON responses with exact decimals (Flask's JSON provider, built on core.jsonio)."""

from flask.json.provider import JSONProvider

from ..core.jsonio import dumps, loads


class DecimalJSONProvider(JSONProvider):
    mimetype = "application/json"

    def dumps(self, obj, **kwargs):
        # One encoding for every answer: the options Flask could pass are not ours to vary.
        return dumps(obj)

    def loads(self, s, **kwargs):
        return loads(s)

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(dumps(obj) + "\n", mimetype="application/json; charset=utf-8")
