"""The baseline of `make bench`: the smallest Flask JSON endpoint, served by the same
gunicorn.conf.py as the service, so that every ratio in the table is "our work / Flask's"."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify({"status": "ok"})
