"""The people of benchmarks/load_test.py, for locust (requirements-bench.txt).

Residents browse the map (pins) and the case list, open cases, report with a photo,
comment and vote on proposals; staff work their department's inbox: list, accept, reply.
Each request is named by its kind (``name=``), so locust's statistics are per kind. The
city (tokens, case and proposal ids, a photo) is the JSON file in ``LOAD_FIXTURE``, written
by load_test.py. Run through load_test.py, which also holds the sockets.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"], encoding="utf-8").read())  # noqa: SIM115
PHOTO = open(FIXTURE["photo"], "rb").read()  # noqa: SIM115
CENTRE_LAT, CENTRE_LON = FIXTURE["centre"]


def _bbox(rng: random.Random) -> str:
    """A phone's map view: about 3 km by 3 km somewhere in the city."""
    lat = CENTRE_LAT + rng.uniform(-0.12, 0.12)
    lon = CENTRE_LON + rng.uniform(-0.12, 0.12)
    return f"{lon - 0.015:.4f},{lat - 0.015:.4f},{lon + 0.015:.4f},{lat + 0.015:.4f}"


class Resident(HttpUser):
    weight = 9
    wait_time = between(1, 4)  # reading the screen between taps

    def on_start(self):
        self.rng = random.Random()
        self.client.headers["Authorization"] = "Bearer " + self.rng.choice(FIXTURE["residents"])

    @task(6)
    def browse_the_map(self):
        self.client.get(f"/api/v1/cases/pins?bbox={_bbox(self.rng)}", name="pins (map)")

    @task(3)
    def list_cases(self):
        self.client.get("/api/v1/cases?sort=-created_at", name="case list")

    @task(4)
    def open_a_case(self):
        case_id = self.rng.choice(FIXTURE["cases"])
        self.client.get(f"/api/v1/cases/{case_id}", name="case page")

    @task(1)
    def report_with_a_photo(self):
        data = {
            "category": "pothole",
            "lat": f"{CENTRE_LAT + self.rng.uniform(-0.1, 0.1):.5f}",
            "lon": f"{CENTRE_LON + self.rng.uniform(-0.1, 0.1):.5f}",
            "description": "Deep hole in the cycle lane, load test",
            "answers": '{"size": "medium"}',  # the demo's pothole asks how big it is
        }
        files = {"photos": ("photo.jpg", PHOTO, "image/jpeg")}
        self.client.post("/api/v1/cases", data=data, files=files, name="report with photo")

    @task(1)
    def comment(self):
        case_id = self.rng.choice(FIXTURE["cases"])
        self.client.post(f"/api/v1/cases/{case_id}/comments",
                         json={"body": "Same here, every morning."}, name="comment")  # fmt: skip

    @task(1)
    def vote(self):
        proposal_id = self.rng.choice(FIXTURE["proposals"])
        value = self.rng.choice(["support", "oppose"])
        self.client.put(f"/api/v1/proposals/{proposal_id}/vote", json={"value": value},
                        name="vote")  # fmt: skip


class Staff(HttpUser):
    weight = 1
    wait_time = between(2, 6)

    def on_start(self):
        self.rng = random.Random()
        desk = self.rng.choice(FIXTURE["staff"])
        self.department = desk["department"]
        self.client.headers["Authorization"] = "Bearer " + desk["token"]

    @task
    def work_the_inbox(self):
        inbox = self.client.get(
            f"/api/v1/cases?department={self.department}&status=submitted&sort=created_at",
            name="staff inbox",
        )
        if not inbox.ok or not inbox.json()["items"]:
            return
        case_id = self.rng.choice(inbox.json()["items"][:10])["id"]
        # Two desks may take the same case: the loser's 409 is the contract, not an error.
        with self.client.post(f"/api/v1/cases/{case_id}/transitions", json={"action": "accept"},
                              name="staff accept", catch_response=True) as accepted:  # fmt: skip
            if accepted.status_code == 409:
                accepted.success()
        self.client.post(f"/api/v1/cases/{case_id}/comments",
                         json={"body": "Thank you, a crew is on its way."},
                         name="staff reply")  # fmt: skip
