"""The yardstick of ``tests.bench.throughput``: Flask's hello-world, served by
the same gunicorn as the app (``gunicorn tests.bench.hello:app``)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
