"""The people of the load test (``make loadtest``; run by tests/load/run.py).

Each simulated person signs in with their own account and browses (home,
event list, event page), registers and unregisters, comments, votes and
flags. Every write is sent as htmx does (``HX-Request``), so the answer
tells what happened: 2xx/3xx is an acknowledged write, 422 a refusal by the
rules (nothing written). What was acknowledged is recorded in ``LEDGER`` and
checked against the database after the run.

A form answered 503 with ``Retry-After`` (its database connection was lost:
nothing was kept, see hrdebate/faults.py) is sent again after the pause, as
the page asks the person to; such answers are counted apart."""

import random
import re
import threading
import uuid
from collections import Counter

import gevent
from locust import HttpUser, between, task

from tests.factories import PASSWORD

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|X-CSRFToken&#34;: &#34;([^&]+)&#34;')
COMMENT_ID = re.compile(r'id="comment-(\d+)"')


class Ledger:
    """What the server acknowledged, per person, shared by all simulated users."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accounts: list[str] = []
        self.event_ids: list[int] = []
        self.registered: dict[tuple[str, int], bool] = {}  # last acknowledged state
        self.votes: dict[tuple[str, int], str] = {}  # last acknowledged choice ("before")
        self.comments: list[str] = []  # bodies acknowledged
        self.flags: set[tuple[str, int]] = set()
        self.uncertain: set[tuple] = set()  # a write whose fate is unknown (connection reset)
        self.statuses: Counter = Counter()
        self.retried_503: Counter = Counter()  # deliberate 503 + Retry-After, sent again
        self.bad_5xx: list[str] = []
        self.surprises: list[str] = []
        self.refused: Counter = Counter()  # 4xx answers, by request name

    def next_account(self) -> str:
        with self.lock:
            return self.accounts.pop()


LEDGER = Ledger()


class Person(HttpUser):
    wait_time = between(0.2, 1.5)

    def on_start(self):
        self.username = LEDGER.next_account()
        self.token = None
        self.get("/auth/login")
        response = self.post("/auth/login", {"username": self.username, "password": PASSWORD},
                             htmx=False, key=None)
        if response is None or response.status_code != 302:
            raise RuntimeError(f"{self.username} could not sign in: {response and response.status_code}")
        self.get("/")

    # -- the wire -------------------------------------------------------------------

    def get(self, path, name=None):
        response = self._send("GET", path, name=name)
        if response is not None and response.status_code == 200:
            match = TOKEN.search(response.text)
            if match:
                self.token = match.group(1) or match.group(2)
        return response

    def post(self, path, data, name=None, htmx=True, key=None):
        data = {**data, "csrf_token": self.token or ""}
        headers = {"HX-Request": "true"} if htmx else {}
        response = self._send("POST", path, name=name, data=data, headers=headers)
        if response is not None and response.status_code == 503 \
                and response.headers.get("Retry-After", "").isdigit():
            LEDGER.retried_503[name or path] += 1
            gevent.sleep(min(int(response.headers["Retry-After"]), 5))
            response = self._send("POST", path, name=name, data=data, headers=headers)
        if key is not None:
            with LEDGER.lock:
                if response is None or response.status_code >= 500:
                    LEDGER.uncertain.add(key)
                elif response.status_code < 400:
                    LEDGER.uncertain.discard(key)
        return response

    def _send(self, method, path, name=None, **kwargs):
        label = name or path
        with self.client.request(method, path, name=label, allow_redirects=False,
                                 catch_response=True, **kwargs) as response:
            code = response.status_code
            with LEDGER.lock:
                LEDGER.statuses[code or "connection error"] += 1
            if not code:
                response.failure(f"no answer: {response.error}")
                return None
            if code >= 500:
                retried = code == 503 and response.headers.get("Retry-After", "").isdigit() \
                    and method == "POST"
                if not retried:
                    with LEDGER.lock:
                        LEDGER.bad_5xx.append(f"{code} {method} {path}")
                response.failure(f"{code}")
            elif code in (429,):
                response.failure("429 rate limited")
                with LEDGER.lock:
                    LEDGER.refused[f"{code} {method} {label}"] += 1
            else:
                response.success()  # 2xx, 3xx and refusals (4xx) are answers
                if code >= 400:
                    with LEDGER.lock:
                        LEDGER.refused[f"{code} {method} {label}"] += 1
            return response

    # -- what people do -------------------------------------------------------------

    def _event(self) -> int:
        return random.choice(LEDGER.event_ids)

    @task(3)
    def home(self):
        self.get("/")

    @task(3)
    def events(self):
        self.get("/events/")

    @task(6)
    def event_page(self):
        event_id = self._event()
        response = self.get(f"/events/{event_id}", name="/events/[id]")
        if response is not None and response.status_code == 200:
            self.comment_ids = [int(i) for i in COMMENT_ID.findall(response.text)]

    @task(3)
    def register_or_unregister(self):
        event_id = self._event()
        key = (self.username, event_id)
        with LEDGER.lock:
            registered = LEDGER.registered.get(key, False)
        action = "unregister" if registered else "register"
        response = self.post(f"/events/{event_id}/{action}", {}, name=f"/events/[id]/{action}",
                             key=("registration",) + key)
        if response is not None and response.status_code < 400:
            with LEDGER.lock:
                LEDGER.registered[key] = not registered
        elif response is not None and response.status_code == 422:
            # Refused ("already registered", "not registered"): what the server
            # acknowledged before was not kept, unless its fate was unknown.
            with LEDGER.lock:
                if ("registration",) + key not in LEDGER.uncertain:
                    LEDGER.surprises.append(f"{action} {self.username}/{event_id} refused "
                                            f"after the opposite was acknowledged")
                LEDGER.uncertain.add(("registration",) + key)

    @task(2)
    def comment(self):
        event_id = self._event()
        body = f"Load test remark {uuid.uuid4().hex}"
        response = self.post(f"/events/{event_id}/comments", {"body": body, "stance": "for"},
                             name="/events/[id]/comments")
        if response is not None and response.status_code < 400:
            with LEDGER.lock:
                LEDGER.comments.append(body)

    @task(2)
    def vote(self):
        event_id = self._event()
        choice = random.choice(["for", "against", "undecided"])
        key = (self.username, event_id)
        response = self.post(f"/events/{event_id}/vote", {"phase": "before", "choice": choice},
                             name="/events/[id]/vote", key=("vote",) + key)
        if response is not None and response.status_code < 400:
            with LEDGER.lock:
                LEDGER.votes[key] = choice

    @task(1)
    def flag(self):
        ids = getattr(self, "comment_ids", None)
        if not ids:
            return
        comment_id = random.choice(ids)
        response = self.post(f"/comments/{comment_id}/flag", {"reason": "off_topic"},
                             name="/comments/[id]/flag")
        if response is not None and response.status_code < 400:
            with LEDGER.lock:
                LEDGER.flags.add((self.username, comment_id))
